<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>IndexStatus</name>
    <message numerus="yes">
        <location filename="../../desktop_app/indexing.py" line="98" />
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LibraryStatusBar</name>
    <message numerus="yes">
        <location filename="../../desktop_app/status_bar.py" line="39" />
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n photo</numerusform>
            <numerusform>%n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/status_bar.py" line="41" />
        <source>%n video(s)</source>
        <translation>
            <numerusform>%n video</numerusform>
            <numerusform>%n videos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/status_bar.py" line="43" />
        <source>%n waiting</source>
        <translation>
            <numerusform>%n waiting</numerusform>
            <numerusform>%n waiting</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/status_bar.py" line="47" />
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="358" />
        <source>Indexing stopped. %n file(s) indexed so far are kept; Rescan carries on.</source>
        <translation>
            <numerusform>Indexing stopped. The %n file indexed so far is kept; Rescan carries on.</numerusform>
            <numerusform>Indexing stopped. The %n files indexed so far are kept; Rescan carries on.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="361" />
        <source>Indexing finished: %n new or changed file(s).</source>
        <translation>
            <numerusform>Indexing finished: %n new or changed file.</numerusform>
            <numerusform>Indexing finished: %n new or changed files.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="363" />
        <source>%n could not be read.</source>
        <translation>
            <numerusform>%n could not be read.</numerusform>
            <numerusform>%n could not be read.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MomentTimeline</name>
    <message numerus="yes">
        <location filename="../../desktop_app/timeline.py" line="133" />
        <source>%n matching moment(s)</source>
        <translation>
            <numerusform>%n matching moment</numerusform>
            <numerusform>%n matching moments</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResultsActions</name>
    <message numerus="yes">
        <location filename="../../desktop_app/results_actions.py" line="243" />
        <source>Copied %n path(s)</source>
        <translation>
            <numerusform>Copied %n path</numerusform>
            <numerusform>Copied %n paths</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResultsHeader</name>
    <message numerus="yes">
        <location filename="../../desktop_app/results_header.py" line="89" />
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n item</numerusform>
            <numerusform>%n items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/results_header.py" line="93" />
        <source>%n result(s)</source>
        <translation>
            <numerusform>%n result</numerusform>
            <numerusform>%n results</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>VideoPlayer</name>
    <message numerus="yes">
        <location filename="../../desktop_app/player.py" line="175" />
        <source>%n moment(s)</source>
        <translation>
            <numerusform>%n moment</numerusform>
            <numerusform>%n moments</numerusform>
        </translation>
    </message>
</context>
</TS>