module.exports = { ...require('../../jest.preset.js'), displayName: 'interop', rootDir: __dirname }
