import ExplicableCore
import Foundation
import Testing

/// CSV cells: RFC 4180 quoting and spreadsheet-formula neutralisation (OWASP "CSV injection").
struct CSVFieldTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        // Formulas become text.
        ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+A1", "'+A1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\r=1", "\"'\r=1\""),
        ("＝1+1", "'＝1+1"),
        ("-", "'-"),
        ("--1", "'--1"),
        ("-1e", "'-1e"),
        // Plain numbers stay numbers.
        ("-2", "-2"),
        ("-0.5", "-0.5"),
        ("+3", "+3"),
        ("-1.5e-3", "-1.5e-3"),
        ("-.5", "-.5"),
        ("12", "12"),
        ("", ""),
        ("a=b", "a=b"),
    ])
    func neutralisesFormulasAndQuotes(text: String, cell: String) {
        #expect(csvField(text) == cell)
    }

    @Test func numbersAndRawTextAreNotNeutralised() {
        #expect(csvField(-2.5) == "-2.5" && csvField(-Double.infinity) == "-inf" && csvField(Double.nan) == "nan")
        #expect(csvField(-7) == "-7")
        #expect(csvField("=1+1", neutralizingFormulas: false) == "=1+1")
        #expect(csvField("=a,b", neutralizingFormulas: false) == "\"=a,b\"")
    }

    @Test func matrixCSVNeutralisesLabelsAndKeepsNumbers() throws {
        let classes = try ClassSet(name: "t", labels: ["=evil()", "-ok"])
        let matrix = ClassMatrix(
            classes: classes, kind: .distance, values: [0, -0.5, -2, 0], provenance: .init(source: "t"))
        #expect(matrix.csv() == "class,'=evil(),'-ok\n'=evil(),0.0,-0.5\n'-ok,-2.0,0.0\n")
    }
}
