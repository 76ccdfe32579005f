module.exports = { ...require('../../jest.preset.js'), displayName: 'providers-kms', rootDir: __dirname }
