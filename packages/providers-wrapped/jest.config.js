module.exports = { ...require('../../jest.preset.js'), displayName: 'providers-wrapped', rootDir: __dirname }
