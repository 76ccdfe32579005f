module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'bench', { services: 'none' })
