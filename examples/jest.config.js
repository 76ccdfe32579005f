module.exports = require('../jest.projects.js').packageProjects(__dirname, 'examples', { services: 'all' })
