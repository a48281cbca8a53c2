<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>IndexStatus</name>
    <message numerus="yes">
        <location filename="../../desktop_app/indexing.py" line="98"/>
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
        <location filename="../../desktop_app/main_window.py" line="423"/>
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n photo</numerusform>
            <numerusform>%n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="425"/>
        <source>%n video(s)</source>
        <translation>
            <numerusform>%n video</numerusform>
            <numerusform>%n videos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="427"/>
        <source>%n waiting</source>
        <translation>
            <numerusform>%n waiting</numerusform>
            <numerusform>%n waiting</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="431"/>
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="548"/>
        <source>Indexing stopped. %n file(s) indexed so far are kept; Rescan carries on.</source>
        <translation>
            <numerusform>Indexing stopped. The %n file indexed so far is kept; Rescan carries on.</numerusform>
            <numerusform>Indexing stopped. The %n files indexed so far are kept; Rescan carries on.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="551"/>
        <source>Indexing finished: %n new or changed file(s).</source>
        <translation>
            <numerusform>Indexing finished: %n new or changed file.</numerusform>
            <numerusform>Indexing finished: %n new or changed files.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="553"/>
        <source>%n could not be read.</source>
        <translation>
            <numerusform>%n could not be read.</numerusform>
            <numerusform>%n could not be read.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="632"/>
        <source>%n result(s)</source>
        <translation>
            <numerusform>%n result</numerusform>
            <numerusform>%n results</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="797"/>
        <source>Copied %n path(s)</source>
        <translation>
            <numerusform>Copied %n path</numerusform>
            <numerusform>Copied %n paths</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MomentTimeline</name>
    <message numerus="yes">
        <location filename="../../desktop_app/timeline.py" line="137"/>
        <source>%n matching moment(s)</source>
        <translation>
            <numerusform>%n matching moment</numerusform>
            <numerusform>%n matching moments</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>VideoPlayer</name>
    <message numerus="yes">
        <location filename="../../desktop_app/player.py" line="170"/>
        <source>%n moment(s)</source>
        <translation>
            <numerusform>%n moment</numerusform>
            <numerusform>%n moments</numerusform>
        </translation>
    </message>
</context>
</TS>
