module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'client-helpers')
