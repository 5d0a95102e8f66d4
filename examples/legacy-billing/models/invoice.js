module.exports = function (sequelize, DataTypes) {
  return sequelize.define('Invoice', {
    customerId: { type: DataTypes.INTEGER, allowNull: false },
    amountCents: { type: DataTypes.INTEGER, allowNull: false },
    issuedAt: { type: DataTypes.DATE, allowNull: false },
    paidAt: { type: DataTypes.DATE, allowNull: true }
  });
};
