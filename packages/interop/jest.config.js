module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'interop', { services: 'all' })
