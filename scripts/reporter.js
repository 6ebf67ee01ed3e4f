// Mocha's spec reporter, plus a machine-readable tally that scripts/test.js
// prints as the suite's closing line ("N passed, N failed"), the line CI reads.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');

class TallyReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const out = process.env.TULIP_TALLY;
      const { passes, failures, pending } = this.stats;
      if (out) fs.writeFileSync(out, JSON.stringify({ passes, failures, pending }));
    });
  }
}
module.exports = TallyReporter;
