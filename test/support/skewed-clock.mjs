// Preloaded with `node --import` into a CLI run as a process: its clock is off by CALL_CONTROL_TEST_CLOCK_SKEW_MS,
// as a laptop's that lost NTP. Every `new Date()` and `Date.now()` of that process (the SigV4 signer's included)
// reads the skewed time; the servers it talks to keep the real one.
const skew = Number(process.env.CALL_CONTROL_TEST_CLOCK_SKEW_MS ?? 0);
const RealDate = Date;

class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + skew);
    else super(...args);
  }

  static now() {
    return RealDate.now() + skew;
  }
}

globalThis.Date = SkewedDate;
