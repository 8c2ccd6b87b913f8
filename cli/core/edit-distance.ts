/**
 * Optimal string alignment distance: Levenshtein's, with a swap of two neighbouring letters as one edit (the
 * commonest slip of a fast typist). Written here: a dozen lines, not worth a dependency for three callers.
 */
export const editDistance = (a: string, b: string): number => {
  // rows[i][j]: the distance between the first i letters of `a` and the first j of `b`.
  const rows = [Array.from({ length: b.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
};
