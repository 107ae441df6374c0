import Foundation
import Parsers

/// Foundation decoding of snapshot parser definitions, as the snapshot loader does (not the hot path).
enum JSONDecoderShim {
    static func decode(_ json: String) throws -> [CustomParserDefinition] {
        try JSONDecoder().decode([CustomParserDefinition].self, from: Data(json.utf8))
    }
}
