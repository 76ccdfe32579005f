module.exports = { ...require('../../jest.preset.js'), displayName: 'vectors', rootDir: __dirname }
