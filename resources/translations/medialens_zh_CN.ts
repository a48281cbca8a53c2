<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name></name>
    <message>
        <location filename="../../desktop_app/formatting.py" line="39"/>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="42"/>
        <source>%1 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="44"/>
        <source>%1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="68"/>
        <source>N</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="68"/>
        <source>S</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="69"/>
        <source>E</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="69"/>
        <source>W</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DropHandler</name>
    <message>
        <location filename="../../desktop_app/drops.py" line="48"/>
        <source>dropped picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/drops.py" line="77"/>
        <source>Could not download %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DropOverlay</name>
    <message>
        <location filename="../../desktop_app/main_window.py" line="94"/>
        <source>Drop a picture to find similar ones</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FailuresDialog</name>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="166"/>
        <source>Files that could not be indexed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="177"/>
        <source>These files were skipped. Fix or remove them, then rescan.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="179"/>
        <source>Copy list</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FailuresModel</name>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="157"/>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="157"/>
        <source>Why it failed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="31"/>
        <source>All</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="31"/>
        <source>Photos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="32"/>
        <source>Videos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="48"/>
        <source>Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="50"/>
        <source>All folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="55"/>
        <source>Date taken</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="56"/>
        <source>Any date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="56"/>
        <source>Last 30 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="56"/>
        <source>This year</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="56"/>
        <source>Last year</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="57"/>
        <source>Custom range…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="63"/>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="65"/>
        <source>From date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="66"/>
        <source>To date</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <location filename="../../desktop_app/first_run.py" line="44"/>
        <source>Welcome to MediaLens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="46"/>
        <source>Find anything in your photos and videos by describing it, or by showing a picture like it. Everything stays on this computer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="51"/>
        <source>1. Choose the folders with your photos and videos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="59"/>
        <source>Folders to index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="60"/>
        <source>Add folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="61"/>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="69"/>
        <source>2. The model that looks at your pictures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="77"/>
        <source>Use a weights file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="78"/>
        <source>For computers without internet: pick a model file copied here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="84"/>
        <source>Start indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="136"/>
        <source>Preparing %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="139"/>
        <source>Downloading %1 (once; it is kept for later)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="141"/>
        <source>✓ %1 is ready.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="143"/>
        <source>The model is not available: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="149"/>
        <source>%1 of %2 MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="157"/>
        <source>Choose a folder to index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="167"/>
        <source>Choose a model weights file</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FoldersDialog</name>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="75"/>
        <location filename="../../desktop_app/library_dialogs.py" line="82"/>
        <source>Library folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="83"/>
        <source>MediaLens indexes every photo and video in these folders and their subfolders.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="86"/>
        <source>Add folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="87"/>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="88"/>
        <source>Rescan all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="118"/>
        <source>Add a folder to the library</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>IndexStatus</name>
    <message>
        <location filename="../../desktop_app/indexing.py" line="48"/>
        <source>Stop indexing (everything indexed so far is kept)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="49"/>
        <source>Stop indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="61"/>
        <source>Looking for photos and videos…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="78"/>
        <source>Looking for photos and videos… %1 found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="82"/>
        <source>Checking what changed…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="86"/>
        <source>%1 of %2 files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="91"/>
        <source>%1 of %2 of video</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="93"/>
        <source>%1 of video</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="96"/>
        <source>Paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="99"/>
        <source>%1 files/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="101"/>
        <source>about %1 left</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/indexing.py" line="103"/>
        <source>%n failed</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="109"/>
        <source>Resume indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="109"/>
        <source>Pause indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="118"/>
        <source>Stopping…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LibraryHost</name>
    <message>
        <location filename="../../desktop_app/host.py" line="127"/>
        <source>Stop indexing before changing the library, model or device.</source>
        <extracomment>engine options for indexing (`fps`, and `batch_size`/`workers` for tests and tuning)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/host.py" line="286"/>
        <source>Stop indexing before removing a folder.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop_app/main_window.py" line="125"/>
        <location filename="../../desktop_app/main_window.py" line="496"/>
        <source>Opening your library…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="144"/>
        <source>Add Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="145"/>
        <source>Library Folders…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="146"/>
        <source>Rescan Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="147"/>
        <location filename="../../desktop_app/main_window.py" line="513"/>
        <source>Pause Indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="148"/>
        <source>Stop Indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="149"/>
        <source>Files That Failed…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="150"/>
        <source>Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="154"/>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="155"/>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="159"/>
        <source>Find Similar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="160"/>
        <source>Edit with Text…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="161"/>
        <source>Use this picture as the reference and describe a change (E)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="162"/>
        <source>Mark Relevant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="164"/>
        <source>Mark Not Relevant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="166"/>
        <source>Clear Mark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="167"/>
        <source>Refine Results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="168"/>
        <source>Re-rank the results from your marks (R)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="169"/>
        <source>Undo Refine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="171"/>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="172"/>
        <source>Show in Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="173"/>
        <source>Copy Path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="175"/>
        <source>Preview Pane</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="178"/>
        <source>Larger Thumbnails</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="180"/>
        <source>Smaller Thumbnails</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="183"/>
        <source>Play / Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="184"/>
        <source>Previous Moment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="186"/>
        <source>Next Moment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="187"/>
        <location filename="../../desktop_app/main_window.py" line="785"/>
        <source>About MediaLens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="251"/>
        <source>Results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="308"/>
        <source>&amp;Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="312"/>
        <source>&amp;Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="316"/>
        <source>&amp;Item</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="320"/>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="323"/>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="406"/>
        <source>Describe what you are looking for, or drop a picture here to find similar ones.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="411"/>
        <source>%n photo(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="413"/>
        <source>%n video(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="415"/>
        <source>%n waiting</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="419"/>
        <source>%n failed</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="429"/>
        <source>The model that reads your pictures and searches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="431"/>
        <source>Model not available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="433"/>
        <source>Choose weights file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="435"/>
        <source>Downloading the model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="437"/>
        <source>Loading the model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="445"/>
        <source>Indexing has started. You can search right away: results come from what is already indexed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="459"/>
        <source>Add a folder to the library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="513"/>
        <source>Resume Indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="525"/>
        <source>Indexing stopped. %n file(s) indexed so far are kept; Rescan carries on.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="528"/>
        <source>Indexing finished: %n new or changed file(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="530"/>
        <source>%n could not be read.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="531"/>
        <source>Show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="577"/>
        <source>no results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="578"/>
        <source>%1+ results</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="578"/>
        <source>%n result(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="581"/>
        <source>Nothing matches yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="583"/>
        <source>Try removing some filters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="585"/>
        <source>Indexing is still running: more will be found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="603"/>
        <source>Like a part of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="604"/>
        <location filename="../../desktop_app/main_window.py" line="608"/>
        <source>Similar to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="607"/>
        <source>%1, changed: “%2”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="609"/>
        <source>Refined: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="609"/>
        <source>your marks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="693"/>
        <source>%1 relevant · %2 not relevant</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="755"/>
        <source>Copied %n path(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="786"/>
        <source>&lt;h3&gt;MediaLens %1&lt;/h3&gt;&lt;p&gt;Find things inside your photos and videos by describing them, by showing a picture like them, or by changing one in words.&lt;/p&gt;&lt;p&gt;Everything runs on this computer.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="853"/>
        <source>Stopping indexing…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MessageBar</name>
    <message>
        <location filename="../../desktop_app/message_bar.py" line="42"/>
        <source>Dismiss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/message_bar.py" line="43"/>
        <source>Dismiss message</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MomentTimeline</name>
    <message>
        <location filename="../../desktop_app/timeline.py" line="34"/>
        <source>Timeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/timeline.py" line="137"/>
        <source>%n matching moment(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PreviewPane</name>
    <message>
        <location filename="../../desktop_app/preview.py" line="89"/>
        <source>Search a region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="91"/>
        <source>Drag a box on the picture to search for that part only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="93"/>
        <source>Explain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="95"/>
        <source>Show which part of the picture matches the search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="107"/>
        <source>Select a result to see it here.

Drop a picture anywhere on the window to find similar ones.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="121"/>
        <source>Taken</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="121"/>
        <source>Camera</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="121"/>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="122"/>
        <source>Length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="122"/>
        <source>Place</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="122"/>
        <source>Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="189"/>
        <source>Loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="195"/>
        <source>This picture cannot be shown.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="284"/>
        <source>moment %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReferenceChip</name>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="65"/>
        <source>Stop editing from this picture (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="66"/>
        <source>Remove reference picture</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <location filename="../../desktop_app/results.py" line="194"/>
        <source>Video %1, moment %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/results.py" line="196"/>
        <source>Photo %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/results.py" line="198"/>
        <source>Similarity %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SearchBar</name>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="108"/>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="119"/>
        <source>More like the picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="120"/>
        <source>More like the words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="125"/>
        <source>Balance between the picture and the words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="126"/>
        <source>How much the results follow the picture or the words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="176"/>
        <source>Search your photos and videos — try “dog on a beach at sunset”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="178"/>
        <source>Describe the change — e.g. “at night”, “in red”, “without people”</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="40"/>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="48"/>
        <location filename="../../desktop_app/settings_dialog.py" line="55"/>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="50"/>
        <source>(as the library was indexed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="59"/>
        <source>Downloaded automatically</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="61"/>
        <location filename="../../desktop_app/settings_dialog.py" line="92"/>
        <source>Choose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="63"/>
        <source>Weights file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="66"/>
        <source>Automatic (GPU when there is one)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="66"/>
        <source>CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="67"/>
        <source>NVIDIA GPU (CUDA)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="67"/>
        <source>Apple GPU (Metal)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="71"/>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="78"/>
        <source> frames/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="79"/>
        <source>How many frames of each second of video are looked at when indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="80"/>
        <source>Video sampling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="87"/>
        <source>Memory for thumbnails in the results grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="88"/>
        <source>Thumbnail memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="94"/>
        <source>Library location</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="116"/>
        <source> (installed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="133"/>
        <source>Choose a model weights file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="139"/>
        <source>Choose where the library is kept</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>VideoPlayer</name>
    <message>
        <location filename="../../desktop_app/player.py" line="38"/>
        <source>Video</source>
        <extracomment>a &quot;previous&quot; press this close after a moment&apos;s start goes to the moment before it, like media players do</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="43"/>
        <source>Previous moment ([)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="44"/>
        <location filename="../../desktop_app/player.py" line="168"/>
        <source>Play (Space)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="45"/>
        <source>Next moment (])</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="46"/>
        <source>Mute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="168"/>
        <source>Pause (Space)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="175"/>
        <source>Moment %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/player.py" line="177"/>
        <source>%n moment(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
</TS>
