import type { CallsApi, RequestOptions } from '../calls/port.ts';
import type { CallListPage, ListCallsFilter } from './types.ts';

/** Follows `next_page_uri` to the end, yielding each page as it arrives (never holding them all). */
export async function* paginate(
  api: Pick<CallsApi, 'listCallsPage'>,
  filter: ListCallsFilter,
  options?: RequestOptions,
): AsyncGenerator<CallListPage, void, undefined> {
  let page = await api.listCallsPage(filter, options);
  yield page;
  while (page.next_page_uri) {
    page = await api.listCallsPage({ nextPageUri: page.next_page_uri }, options);
    yield page;
  }
}
