var express = require('express');
var bodyParser = require('body-parser');
var morgan = require('morgan');
var invoices = require('./routes/invoices');

var app = express();
app.use(morgan('combined'));
app.use(bodyParser.json());
app.use('/invoices', invoices);

if (require.main === module) {
  var port = process.env.PORT || 8080;
  app.listen(port, function () {
    console.log('legacy-billing listening on ' + port);
  });
}

module.exports = app;
