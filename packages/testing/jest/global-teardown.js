// jest globalTeardown (called once per project that ran global-setup.js; the first call does the work): stops what global-setup.js started (services reused from the environment are left alone).
'use strict'

const { STATE_KEY } = require('./global-setup.js')

module.exports = async function globalTeardown() {
  const services = globalThis[STATE_KEY]
  if (!services) return
  delete globalThis[STATE_KEY]
  await services.stop()
}
