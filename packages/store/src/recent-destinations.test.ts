import { RecentDestinations } from './recent-destinations';

describe('RecentDestinations', () => {
  it('keeps the newest destinations up to its capacity, oldest first', () => {
    const recent = new RecentDestinations(2);
    recent.remember('https://a.example');
    recent.remember('https://b.example');
    recent.remember('https://c.example');
    expect(recent.list()).toEqual(['https://b.example', 'https://c.example']);
  });

  it('counts a destination remembered again as the newest', () => {
    const recent = new RecentDestinations(2);
    recent.remember('https://a.example');
    recent.remember('https://b.example');
    recent.remember('https://a.example');
    recent.remember('https://c.example');
    expect(recent.list()).toEqual(['https://a.example', 'https://c.example']);
  });

  it('keeps the earliest due of more destinations than it can hold', () => {
    const recent = new RecentDestinations(2);
    recent.remember('https://old.example');
    recent.rememberInDueOrder(['https://first.example', 'https://second.example', 'https://third.example']);
    expect(recent.list().sort()).toEqual(['https://first.example', 'https://second.example']);
  });
});
