/// The document is not valid JSON (or breaks one of our documented limits, such as nesting depth).
///
/// It carries nothing: every syntax failure maps to the single reason code `invalid_json`, and an empty
/// error keeps the typed-throws paths of the scanner free of allocation.
struct JSONSyntaxError: Error {}
