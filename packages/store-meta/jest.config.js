module.exports = { ...require('../../jest.preset.js'), displayName: 'store-meta', rootDir: __dirname }
