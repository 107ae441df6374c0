/// A label value in the Prometheus text format, which every `/metrics` section (the gateway's, the WAL's, the
/// forwarders') writes with this one escaper: `\`, `"` and newline escaped, everything else as it is.
public enum PrometheusLabel {
    public static func escape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
