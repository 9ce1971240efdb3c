import type { DbNotification } from '../../db';
import type { SubCtx } from '../types';

/**
 * Forward row-change notifications of one database topic, for the subscriber's current org only.
 * The notification carries ids only; the view reloads what it shows through queries under RLS.
 */
export function forwardOrgNotifications(ctx: SubCtx, dbTopic: string, emit: (id: string) => void): () => void {
  const onNotification = (n: DbNotification) => {
    if (n.topic !== dbTopic) return;
    if (n.orgId !== ctx.deps.db.session?.orgId) return;
    emit(n.id);
  };
  ctx.deps.db.on('notification', onNotification);
  return () => ctx.deps.db.off('notification', onNotification);
}

/**
 * The same, coalesced: ids arriving within `windowMs` go out as one event, at most `max` of them
 * (then `truncated` says "reload everything"). A bulk change of thousands of rows is one event.
 */
export function forwardCoalesced(
  ctx: SubCtx,
  dbTopic: string,
  emit: (e: { ids: string[]; truncated: boolean }) => void,
  windowMs = 100,
  max = 200,
): () => void {
  let ids = new Set<string>();
  let truncated = false;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    const out = { ids: [...ids], truncated };
    ids = new Set();
    truncated = false;
    emit(out);
  };
  const off = forwardOrgNotifications(ctx, dbTopic, (id) => {
    if (ids.size < max) ids.add(id);
    else truncated = true;
    timer ??= setTimeout(flush, windowMs);
  });
  return () => {
    if (timer) clearTimeout(timer);
    off();
  };
}
