import type { AuditFilter } from '../../../src-shared/contract/audit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `%`, `_` and `\` typed by an auditor are matched as themselves, not as LIKE wildcards. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The subject as people name it: an incident by its number (INC-12), a node by its host name;
 * anything else by its id. A name that matches nothing matches no event (NULL never equals).
 */
function subjectIdSql(type: string | undefined, id: string, p: (v: unknown) => string): string {
  const inc = /^INC-(\d{1,9})$/i.exec(id);
  if (type === 'incident' && inc) return `(SELECT i.id::text FROM mc.incidents i WHERE i.org_id = mc.current_org_id() AND i.number = ${p(Number(inc[1]))}::int)`;
  if (type === 'node' && !UUID.test(id)) return `(SELECT n.id::text FROM mc.nodes n WHERE n.org_id = mc.current_org_id() AND n.hostname = ${p(id.toLowerCase())})`;
  return p(UUID.test(id) ? id.toLowerCase() : id);
}

/**
 * A caller's own condition on the events (alias e), built with the placeholder function so its
 * values travel as parameters too: an evidence bundle's "events about the records it exports".
 */
export type AlsoCondition = (param: (v: unknown) => string) => string;

/**
 * The WHERE clause of a filter, as SQL text with numbered parameters starting after `offset`.
 * Every value travels as a parameter; only column names and operators are written here.
 * The equality filters (action, actor id, subject) and the time range have indexes (0002, 0030),
 * so with ORDER BY seq and a LIMIT a page reads only matching rows; the free text is a scan,
 * bounded by the page's LIMIT and the statement timeout.
 */
export function filterWhere(filter: AuditFilter | undefined, offset: number, also?: AlsoCondition, opts: { orgClause?: boolean } = {}): { sql: string; params: unknown[] } {
  // Without the org clause when the caller's WHERE has it already and the condition is a column
  // (mc.current_org_id() in a select list runs once per row).
  const parts = opts.orgClause === false ? ['true'] : ['e.org_id = mc.current_org_id()'];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${offset + params.length}`;
  };
  if (also) parts.push(also(p));
  if (!filter) return { sql: parts.join(' AND '), params };
  if (filter.from) parts.push(`e.at >= ${p(filter.from)}::timestamptz`);
  if (filter.to) parts.push(`e.at < ${p(filter.to)}::timestamptz`);
  if (filter.actor) {
    if (UUID.test(filter.actor)) parts.push(`e.actor_id = ${p(filter.actor.toLowerCase())}::uuid`);
    else parts.push(`e.actor_name ILIKE ${p(`%${likeEscape(filter.actor)}%`)}`);
  }
  if (filter.action) {
    // "incidents" is the whole domain; "incidents.opened" one action.
    if (filter.action.includes('.')) parts.push(`e.action = ${p(filter.action)}`);
    else parts.push(`e.action LIKE ${p(`${likeEscape(filter.action)}.%`)}`);
  }
  if (filter.subjectType) parts.push(`e.target_type = ${p(filter.subjectType)}`);
  if (filter.subjectId) parts.push(`e.target_id = ${subjectIdSql(filter.subjectType, filter.subjectId, p)}`);
  if (filter.text) {
    const t = p(`%${likeEscape(filter.text)}%`);
    parts.push(`(e.reason ILIKE ${t} OR e.data::text ILIKE ${t})`);
  }
  return { sql: parts.join(' AND '), params };
}
