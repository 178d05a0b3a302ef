/**
 * One thing a tenant may serve in more than one way (a newer endpoint and the older one, a sort it
 * may refuse): the ways are tried in order, and the first that answers is kept for the rest of the
 * process, so a fallback costs its extra call once. A way is passed over only for an error that
 * `refused` reads as "not served this way", and Gatehouse switches only once a later way answers:
 * an error every way gives (about the person, the filter) switches nothing and is passed on.
 */
export class FirstThatAnswers<Way> {
  private current = 0;

  constructor(
    private readonly ways: readonly [Way, ...Way[]],
    private readonly refused: (error: unknown) => boolean,
    private readonly switched?: (from: Way, to: Way) => void,
  ) {}

  async ask<T>(call: (way: Way) => Promise<T>): Promise<T> {
    for (let index = this.current; ; index++) {
      const way = this.ways[index] as Way;
      try {
        const answer = await call(way);
        if (index > this.current) {
          const from = this.ways[this.current] as Way;
          this.current = index;
          this.switched?.(from, way);
        }
        return answer;
      } catch (error) {
        if (index + 1 >= this.ways.length || !this.refused(error)) throw error;
      }
    }
  }
}
