module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'testing')
