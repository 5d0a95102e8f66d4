var express = require('express');
var models = require('../models');

var router = express.Router();

// GET /invoices?customer=42
router.get('/', function (req, res, next) {
  var where = req.query.customer ? { customerId: req.query.customer } : {};
  models.Invoice.findAll({ where: where, order: [['issuedAt', 'DESC']] })
    .then(function (rows) { res.json(rows); })
    .catch(next);
});

// POST /invoices {customerId, amountCents}
router.post('/', function (req, res, next) {
  models.Invoice.create({ customerId: req.body.customerId, amountCents: req.body.amountCents, issuedAt: new Date() })
    .then(function (row) { res.status(201).json(row); })
    .catch(next);
});

module.exports = router;
