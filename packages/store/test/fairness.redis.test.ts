import { claim, claimOne, message, useStore } from './fixtures';

describe('claiming across destinations', () => {
  const ctx = useStore({ claimCandidates: 4 });

  it('takes from each destination in turn within a batch', async () => {
    const { store } = ctx;
    for (let i = 0; i < 50; i++) await store.enqueue(message({ url: 'https://big.example/x' }));
    for (let i = 0; i < 3; i++) await store.enqueue(message({ url: 'https://small.example/x' }));
    const batch = await claim(store, 6);
    expect(batch.filter((d) => d.dest === 'https://small.example')).toHaveLength(3);
    expect(batch.filter((d) => d.dest === 'https://big.example')).toHaveLength(3);
  });

  it('rotates destinations between claims, so a backlog cannot starve a newcomer', async () => {
    const { store } = ctx;
    for (let i = 0; i < 20; i++) await store.enqueue(message({ url: 'https://big.example/x' }));
    expect((await claimOne(store)).dest).toBe('https://big.example');
    for (let i = 0; i < 2; i++) await store.enqueue(message({ url: 'https://small.example/x' }));
    // A newcomer is seen by the claim after next at the latest (candidates travel with each
    // answer), then destinations alternate.
    const order: string[] = [];
    for (let i = 0; i < 5; i++) order.push((await claimOne(store)).dest.replace(/^https:\/\/|\.example$/g, ''));
    expect(order).toEqual(['big', 'small', 'big', 'small', 'big']);
  });

  it('serves destinations beyond the candidate window once earlier ones drain', async () => {
    const { store } = ctx;
    for (let d = 0; d < 10; d++) await store.enqueue(message({ url: `https://d${d}.example/x` }));
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add((await claimOne(store)).dest);
    expect(seen.size).toBe(10);
    expect(await claim(store)).toEqual([]);
  });
});
