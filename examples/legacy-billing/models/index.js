var Sequelize = require('sequelize');
var env = process.env.NODE_ENV || 'development';
var config = require('../config/config.json')[env];

var sequelize = new Sequelize(config.database, config.username, process.env.DB_PASSWORD || config.password, config);
var Invoice = require('./invoice')(sequelize, Sequelize.DataTypes);

module.exports = { sequelize: sequelize, Sequelize: Sequelize, Invoice: Invoice };
