module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'providers-kms')
