import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher';

describe('Batcher (group commit for the limit calls)', () => {
  it('sends the first alone and what arrives meanwhile together, each answer to its caller', async () => {
    const calls: number[][] = [];
    const b = new Batcher<number, number>(
      async (xs) => {
        calls.push(xs);
        return xs.map((x) => x * 10);
      },
      async (x) => {
        calls.push([x]);
        return x * 10;
      },
    );
    expect(await Promise.all([1, 2, 3, 4].map((x) => b.submit(x)))).toEqual([10, 20, 30, 40]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
    expect(b.stats).toEqual({ calls: 2, elements: 4 });
  });

  it('a batch that fails, throws before returning a promise, or answers the wrong count is retried one by one; only the bad element fails', async () => {
    for (const many of [
      async () => {
        throw new Error('refused as a whole');
      },
      () => {
        throw new Error('thrown before any promise');
      },
      async () => [1],
    ] as ((xs: number[]) => Promise<number[]>)[]) {
      const b = new Batcher<number, number>(many, async (x) => {
        if (x === 3) throw new Error('bad element 3');
        return x;
      });
      const out = await Promise.allSettled([1, 2, 3, 4].map((x) => b.submit(x)));
      expect(out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([1, 2, 'bad element 3', 4]);
    }
  });

  it('a single call that throws synchronously rejects its caller and does not stop the next', async () => {
    let n = 0;
    const b = new Batcher<number, number>(
      async (xs) => xs,
      (x) => {
        if (n++ === 0) throw new Error('sync');
        return Promise.resolve(x);
      },
    );
    await expect(b.submit(1)).rejects.toThrow('sync');
    expect(await b.submit(2)).toBe(2);
  });
});
