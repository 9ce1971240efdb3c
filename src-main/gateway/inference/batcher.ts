/**
 * Group commit for database calls: what is submitted while the previous call is running goes in
 * the next call, as one batch (at most `max`). At low load a call goes out at once, alone; under
 * load each round trip carries many, so a busy org no longer waits on its counter rows once per
 * request. A batch the database refuses as a whole is retried element by element, so one bad
 * element fails alone.
 */
export class Batcher<In, Out> {
  private queue: { item: In; resolve: (o: Out) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  /** Calls made (batches and single retries) and elements sent, for /metrics and tests. */
  readonly stats = { calls: 0, elements: 0 };

  constructor(
    private readonly many: (items: In[]) => Promise<Out[]>,
    private readonly one: (item: In) => Promise<Out>,
    private readonly max = 64,
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) this.flush();
    });
  }

  private flush(): void {
    if (this.queue.length === 0) {
      this.running = false;
      return;
    }
    this.running = true;
    const batch = this.queue.splice(0, this.max);
    this.stats.calls++;
    this.stats.elements += batch.length;
    // Promise.resolve().then: a call that throws before returning a promise still settles its batch.
    Promise.resolve()
      .then(() => (batch.length === 1 ? this.one(batch[0]!.item).then((o) => [o]) : this.many(batch.map((b) => b.item))))
      .then((outs) => {
        if (outs.length !== batch.length) throw new Error(`a batch of ${batch.length} came back with ${outs.length} answers`);
        return outs;
      })
      .then(
        (outs) => batch.forEach((b, i) => b.resolve(outs[i] as Out)),
        async (err: unknown) => {
          if (batch.length === 1) return batch[0]!.reject(err);
          // One element may be the cause: each goes again alone and gets its own answer.
          await Promise.all(
            batch.map((b) => {
              this.stats.calls++;
              return Promise.resolve()
                .then(() => this.one(b.item))
                .then(b.resolve, b.reject);
            }),
          );
        },
      )
      .finally(() => this.flush());
  }
}
