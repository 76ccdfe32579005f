const preset = require('../jest.preset.js')
module.exports = { ...preset, displayName: 'examples', rootDir: __dirname }
