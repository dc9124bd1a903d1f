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
});
