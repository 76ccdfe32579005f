module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'vectors', { services: 'all' })
