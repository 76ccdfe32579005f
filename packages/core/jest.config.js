module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'core', { services: 'none' })
