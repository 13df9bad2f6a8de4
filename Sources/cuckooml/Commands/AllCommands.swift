extension Registry {
    /// Every top-level command, in the order `help` lists them (roughly the order of the workflow).
    static let standard = Registry(commands: [
        HelpCommand.self,
        StatusCommand.self,
        SetCommand.self,
        LoadCommand.self,
        UnloadCommand.self,
        SamplesCommand.self,
        FeaturesCommand.self,
        LabelsCommand.self,
        ImportCommand.self,
        ClusterCommand.self,
        ClustersCommand.self,
        ShowCommand.self,
        AssessCommand.self,
        AnomaliesCommand.self,
        SweepCommand.self,
        SaveCommand.self,
        SessionCommand.self,
        PlotCommand.self,
        ReportCommand.self,
        ExportCommand.self,
        SourceCommand.self,
        HistoryCommand.self,
        EchoCommand.self,
        QuitCommand.self,
    ])
}
