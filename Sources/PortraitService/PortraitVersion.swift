/// The version `portraitd --version` and `portrait --version` print.
public enum PortraitVersion {
    public static let string = "0.1.0"
}
