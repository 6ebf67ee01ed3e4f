/**
 * A few seconds of the soak (soak.ts), so that `npm test` keeps its harness
 * honest: the clients come and go in all three ways, every completed round
 * trip comes back byte for byte, memory is sampled, and every server handler
 * ends. The real soak is minutes long: `npm run stress -- --soak`.
 */
import { expect } from 'chai';
import { soak } from './soak';

describe('reliability: the soak harness (a few seconds of it)', function () {
  this.timeout(60_000);

  it('clients connect, send, reset and leave; nothing is lost, every handler ends, memory is sampled', async () => {
    const r = await soak({ seconds: 3, clients: 8, sampleEvery: 0.5, seed: 7 });
    expect(r.failures).to.deep.equal([]);
    expect(r.dataLost).to.equal(0);
    expect(r.handlersLeft).to.equal(0);
    expect(r.roundTrips).to.be.above(0);
    expect(r.endings.closed + r.endings.reset + r.endings.resetMidMessage).to.equal(r.connections);
    expect(Math.min(r.endings.closed, r.endings.reset, r.endings.resetMidMessage), 'each way of leaving happened').to.be.above(0);
    expect(r.samples.length).to.be.at.least(3);
  });
});
