module.exports = require('../../jest.projects.js').packageProjects(__dirname, 'store-meta')
