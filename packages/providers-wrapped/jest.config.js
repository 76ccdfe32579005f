module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'providers-wrapped', { services: 'none' })
