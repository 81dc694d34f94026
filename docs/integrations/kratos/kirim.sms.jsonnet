// The body Ory Kratos' HTTP courier sends to Kirim for every SMS
// (docs/integrations/kratos.md). Kratos evaluates it with the message as
// the top-level argument `ctx`: `recipient`, `body` (the SMS text Kratos
// rendered from its template), `template_type` and `template_data`.
//
// The code Kratos generated is passed as `code`, so Kirim stores the text
// with the code masked and keeps it only encrypted until it is sent, and
// the SMS lives as long as the code does (`expires_in_minutes`): it is
// never delivered after Kratos stopped accepting the code.
function(ctx)
  local data = if std.objectHas(ctx, 'template_data') && std.isObject(ctx.template_data) then ctx.template_data else {};
  // login_code_valid, verification_code_valid (and recovery, which Kratos
  // also names verification_code), registration_code_valid.
  local fields = ['login_code', 'verification_code', 'registration_code'];
  local codes = [
    data[f]
    for f in fields
    if std.objectHas(data, f) && std.isString(data[f]) && data[f] != '' && std.length(std.findSubstr(data[f], ctx.body)) > 0
  ];
  local minutes = if std.objectHas(data, 'expires_in_minutes') && std.isNumber(data.expires_in_minutes) then data.expires_in_minutes else 0;
  {
    to: ctx.recipient,
    text: ctx.body,
  }
  + (if std.length(codes) > 0 then { code: codes[0] } else {})
  + (if minutes >= 1 then { ttl_seconds: std.min(minutes * 60, 604800) } else {})
