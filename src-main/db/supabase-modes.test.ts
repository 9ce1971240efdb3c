import { describe, expect, it } from 'vitest';
import { loginName, supabaseConnectHint, supabaseMode, supabaseRefusal } from './supabase-modes';

const REF = 'abcdefghijklmnopqrst';
const pooler = { host: 'aws-0-eu-central-1.pooler.supabase.com', port: 5432, user: `postgres.${REF}` };

describe('Supabase connection modes', () => {
  it('tells the direct host, the session pooler and the transaction pooler apart, and leaves other servers alone', () => {
    expect(supabaseMode({ host: `db.${REF}.supabase.co`, port: 5432 })).toBe('direct');
    expect(supabaseMode(pooler)).toBe('session-pooler');
    expect(supabaseMode({ ...pooler, port: 6543 })).toBe('transaction-pooler');
    expect(supabaseMode({ host: 'pg.internal.example', port: 5432 })).toBeNull();
  });

  it('on the session pooler, the app’s own logins carry the profile’s project ref; elsewhere they are the bare role', () => {
    expect(loginName(pooler, 'mc_auth_1a2b3c')).toBe(`mc_auth_1a2b3c.${REF}`);
    expect(loginName({ host: `db.${REF}.supabase.co`, port: 5432, user: 'postgres' }, 'mc_auth_1a2b3c')).toBe('mc_auth_1a2b3c');
    // A dotted user name on an ordinary server is just a name.
    expect(loginName({ host: 'pg.internal.example', port: 5432, user: `ops.${REF}` }, 'mc_auth_1a2b3c')).toBe('mc_auth_1a2b3c');
  });

  it('refuses the transaction pooler and a pooler user without its project ref, saying what to use instead', () => {
    expect(supabaseRefusal({ ...pooler, port: 6543 })).toMatch(/transaction pooler \(port 6543\).*Use the session pooler \(same host, port 5432\)/);
    expect(supabaseRefusal({ ...pooler, user: 'postgres' })).toMatch(/<user>\.<project-ref>.*“postgres” is not/);
    expect(supabaseRefusal(pooler)).toBeNull();
    expect(supabaseRefusal({ host: `db.${REF}.supabase.co`, port: 5432, user: 'postgres' })).toBeNull();
    expect(supabaseRefusal({ host: '127.0.0.1', port: 6543, user: 'x' })).toBeNull();
  });

  it('explains an unreachable direct host (IPv6 only without the add-on), and only there', () => {
    expect(supabaseConnectHint({ host: `db.${REF}.supabase.co`, port: 5432 }, 'ENETUNREACH')).toMatch(/IPv6.*IPv4 add-on.*session pooler/);
    expect(supabaseConnectHint({ host: `db.${REF}.supabase.co`, port: 5432 }, '28P01')).toBeNull();
    expect(supabaseConnectHint({ host: 'pg.internal.example', port: 5432 }, 'ENETUNREACH')).toBeNull();
  });
});
