// Keeps `digest build`'s cache between Netlify deploys, so that a commit adding one day's
// digest renders only the pages it touches (generator/build/record.py). Both folders are
// needed together: .cache/ says what site/ holds. Without them the build is a cold one,
// which is always correct; the cache is keyed by the generator's code, the theme, site.yaml
// and topics.yaml, so an upgrade simply builds cold once.
const CACHED = ['.cache', 'site'];

module.exports = {
  async onPreBuild({ utils }) {
    const restored = await utils.cache.restore(CACHED);
    console.log(restored ? 'digest-cache: restored .cache/ and site/' : 'digest-cache: nothing cached yet, a cold build');
  },
  // Before the deploy reads site/: copied, not moved (move: false), so the deploy still has it.
  async onPostBuild({ utils }) {
    await utils.cache.save(CACHED, { move: false });
  },
};
