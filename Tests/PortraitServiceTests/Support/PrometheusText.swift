import Foundation

/// A strict-enough parser of the Prometheus text exposition format (0.0.4) for tests:
/// `# TYPE`/`# HELP` lines, samples `name{label="value",…} number`. Anything else is an error.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "not Prometheus text: \(line)" }
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]

    static func parse(_ text: String) throws -> PrometheusText {
        var result = PrometheusText()
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw ParseError(line: line)
                }
                result.types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            result.samples.append(try sample(line))
        }
        return result
    }

    private static func sample(_ line: String) throws -> Sample {
        var labels: [String: String] = [:]
        var name: Substring
        var rest: Substring
        if let brace = line.firstIndex(of: "{") {
            name = line[..<brace]
            guard let close = line.lastIndex(of: "}") else { throw ParseError(line: line) }
            var body = line[line.index(after: brace)..<close]
            while !body.isEmpty {
                guard let equals = body.firstIndex(of: "="), body[body.index(after: equals)] == "\"" else {
                    throw ParseError(line: line)
                }
                let key = String(body[..<equals])
                var index = body.index(equals, offsetBy: 2)
                var value = ""
                while index < body.endIndex, body[index] != "\"" {
                    if body[index] == "\\" { index = body.index(after: index) }
                    value.append(body[index])
                    index = body.index(after: index)
                }
                guard index < body.endIndex else { throw ParseError(line: line) }
                labels[key] = value
                body = body[body.index(after: index)...]
                if body.first == "," { body = body.dropFirst() }
            }
            rest = line[line.index(after: close)...]
        } else {
            guard let space = line.firstIndex(of: " ") else { throw ParseError(line: line) }
            name = line[..<space]
            rest = line[space...]
        }
        let fields = rest.split(separator: " ")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }),
            let valueText = fields.first, let value = Double(valueText.replacingOccurrences(of: "+Inf", with: "inf"))
        else { throw ParseError(line: line) }
        return Sample(name: String(name), labels: labels, value: value)
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func sum(_ name: String) -> Double {
        samples.filter { $0.name == name }.reduce(0) { $0 + $1.value }
    }
}
