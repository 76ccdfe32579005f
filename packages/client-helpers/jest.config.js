module.exports = { ...require('../../jest.preset.js'), displayName: 'client-helpers', rootDir: __dirname }
