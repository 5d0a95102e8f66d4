var expect = require('chai').expect;
var request = require('supertest');
var app = require('../app');
var models = require('../models');

describe('invoices', function () {
  before(function () {
    return models.sequelize.sync({ force: true });
  });

  it('creates an invoice and lists it for its customer', function () {
    return request(app)
      .post('/invoices')
      .send({ customerId: 42, amountCents: 1999 })
      .expect(201)
      .then(function () {
        return request(app).get('/invoices?customer=42').expect(200);
      })
      .then(function (res) {
        expect(res.body).to.have.length(1);
        expect(res.body[0].amountCents).to.equal(1999);
      });
  });
});
