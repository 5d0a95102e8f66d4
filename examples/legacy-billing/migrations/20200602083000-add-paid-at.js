'use strict';

module.exports = {
  up: function (queryInterface, Sequelize) {
    return queryInterface.addColumn('Invoices', 'paidAt', { type: Sequelize.DATE, allowNull: true });
  },
  down: function (queryInterface) {
    return queryInterface.removeColumn('Invoices', 'paidAt');
  }
};
