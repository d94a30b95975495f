// Loaded into the jsii runtime's node (NODE_OPTIONS=--require): appends "engine" to
// $ENGINE_LOG whenever aws-cdk-lib builds its template-validation engine and "validate"
// whenever that engine checks a template. Used by tests/app/test_app_process.py.
const Module = require("module");
const fs = require("fs");

const log = process.env.ENGINE_LOG;
const load = Module._load;
Module._load = function (request, ...rest) {
  const exports = load.call(this, request, ...rest);
  if (request === "@aws/cloudformation-validate" && !exports.__logged) {
    const Engine = exports.CompositeEngine;
    exports.CompositeEngine = class extends Engine {
      constructor(...args) {
        super(...args);
        fs.appendFileSync(log, "engine\n");
      }
      validateTemplate(...args) {
        fs.appendFileSync(log, "validate\n");
        return super.validateTemplate(...args);
      }
    };
    exports.__logged = true;
  }
  return exports;
};
