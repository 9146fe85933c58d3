/// The tags the pipeline reader tells apart, as libyaml expands them.
enum YAMLTag {
    static let str = "tag:yaml.org,2002:str"
    static let bool = "tag:yaml.org,2002:bool"
    static let null = "tag:yaml.org,2002:null"
    static let seq = "tag:yaml.org,2002:seq"
    static let map = "tag:yaml.org,2002:map"
    /// `!`: the non-specific tag, which makes a scalar a string.
    static let nonSpecific = "!"
}
