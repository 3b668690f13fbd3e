/// `text` with XML's special characters escaped, for element content and attribute values
/// (SVG figures, LMF slices, HTML). Line feeds and tabs become character references so attribute
/// values keep them.
public func escapeXML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\n": out += "&#10;"
        case "\t": out += "&#9;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
