module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'fuzz', { services: 'none' })
