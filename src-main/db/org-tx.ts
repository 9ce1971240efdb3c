import type { Pool } from 'pg';
import { type Sql, sqlOf } from './sql';

/** Who a transaction acts for: the org whose rows it may see, and the operator and role. */
export interface TxScope {
  orgId: string;
  operatorId: string;
  role: string;
}

export interface TxOptions {
  readOnly?: boolean;
  /** One snapshot for every statement (REPEATABLE READ): for reads that must agree with each other. */
  snapshot?: boolean;
  /** Per-transaction limits; a stuck lock or a runaway query frees its pooled connection. */
  statementTimeout?: string;
  lockTimeout?: string;
}

/**
 * Every app query runs inside one of these: a transaction switched to mc_app with the org, the
 * operator and the role set for RLS, all transaction-local so nothing leaks to the next borrower
 * of the pooled connection.
 */
export async function withOrgTx<T>(pool: Pool, scope: TxScope | null, fn: (sql: Sql) => Promise<T>, opts: TxOptions = {}): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // A checked-out client whose server dies between statements emits 'error'; without a listener
  // that is an uncaught exception. The statement in flight rejects anyway; mark it unusable.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query(`BEGIN${opts.snapshot ? ' ISOLATION LEVEL REPEATABLE READ' : ''}${opts.readOnly ? ' READ ONLY' : ''}`);
    await client.query(
      `SELECT set_config('role', 'mc_app', true), set_config('mc.org_id', $1, true),
              set_config('mc.operator_id', $2, true), set_config('mc.role', $3, true),
              set_config('statement_timeout', $4, true), set_config('lock_timeout', $5, true)`,
      [scope?.orgId ?? '', scope?.operatorId ?? '', scope?.role ?? '', opts.statementTimeout ?? '30s', opts.lockTimeout ?? '10s'],
    );
    const result = await fn(sqlOf(client));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
