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
