<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DropHandler</name>
    <message>
        <location filename="../../desktop_app/drops.py" line="50"/>
        <source>dropped picture</source>
        <translation>拖入的图片</translation>
    </message>
    <message>
        <location filename="../../desktop_app/drops.py" line="79"/>
        <source>Could not download %1: %2</source>
        <translation>无法下载 %1：%2</translation>
    </message>
</context>
<context>
    <name>DropOverlay</name>
    <message>
        <location filename="../../desktop_app/drops.py" line="113"/>
        <source>Drop a picture to find similar ones</source>
        <translation>放下图片以查找相似的图片</translation>
    </message>
</context>
<context>
    <name>DuplicatesDialog</name>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="96"/>
        <source>Duplicates</source>
        <translation>重复项</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="109"/>
        <source>Reveal</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="110"/>
        <source>Move Checked to Trash…</source>
        <translation>将勾选的移到废纸篓…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="111"/>
        <source>Look Again</source>
        <translation>重新查找</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="123"/>
        <source>Looking for duplicates…</source>
        <translation>正在查找重复项…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="126"/>
        <source>The library is not open yet.</source>
        <translation>媒体库尚未打开。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="132"/>
        <source>No duplicates.</source>
        <translation>没有重复项。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="133"/>
        <source>{0} groups; keeping the first of each frees {1}.</source>
        <translation>{0} 组；每组只保留第一个可释放 {1}。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="149"/>
        <source>Move to Trash</source>
        <translation>移到废纸篓</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="150"/>
        <source>Move {0} files ({1}) to the trash? They can be restored from there.</source>
        <translation>将 {0} 个文件（{1}）移到废纸篓？可以从那里恢复。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="162"/>
        <source>Moved {0} files to the trash.</source>
        <translation>已将 {0} 个文件移到废纸篓。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="163"/>
        <source>Not moved: {0}: {1}</source>
        <translation>未移动：{0}：{1}</translation>
    </message>
</context>
<context>
    <name>DuplicatesModel</name>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="45"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="45"/>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="45"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="45"/>
        <source>Pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="46"/>
        <source>Similarity</source>
        <translation>相似度</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="51"/>
        <source>identical files</source>
        <translation>个相同文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="51"/>
        <source>similar photos</source>
        <translation>张相似照片</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="52"/>
        <source>Group {0}: {1} {2}, {3} to free</source>
        <translation>第 {0} 组：{1} {2}，可释放 {3}</translation>
    </message>
    <message>
        <location filename="../../desktop_app/duplicates_view.py" line="58"/>
        <source>(keep)</source>
        <translation>（保留）</translation>
    </message>
</context>
<context>
    <name>FailuresDialog</name>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="157"/>
        <source>Files that could not be indexed</source>
        <translation>无法索引的文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="168"/>
        <source>These files were skipped. Fix or remove them, then rescan.</source>
        <translation>这些文件已被跳过。修复或移除它们后重新扫描。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="170"/>
        <source>Copy list</source>
        <translation>复制列表</translation>
    </message>
</context>
<context>
    <name>FailuresModel</name>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="148"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="148"/>
        <source>Why it failed</source>
        <translation>失败原因</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="31"/>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="31"/>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="32"/>
        <source>Videos</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="48"/>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="50"/>
        <source>All folders</source>
        <translation>所有文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="55"/>
        <source>Date taken</source>
        <translation>拍摄日期</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="56"/>
        <source>Any date</source>
        <translation>任意日期</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="56"/>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="56"/>
        <source>This year</source>
        <translation>今年</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="56"/>
        <source>Last year</source>
        <translation>去年</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="57"/>
        <source>Custom range…</source>
        <translation>自定义范围…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="63"/>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="65"/>
        <source>From date</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <location filename="../../desktop_app/filter_bar.py" line="66"/>
        <source>To date</source>
        <translation>结束日期</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <location filename="../../desktop_app/first_run.py" line="31"/>
        <source>Model files (*.safetensors *.bin *.pt *.pth manifest.json *.onnx);;All files (*)</source>
        <translation>模型文件 (*.safetensors *.bin *.pt *.pth manifest.json *.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="59"/>
        <source>Welcome to MediaLens</source>
        <translation>欢迎使用 MediaLens</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="61"/>
        <source>Find anything in your photos and videos by describing it, or by showing a picture like it. Everything stays on this computer.</source>
        <translation>用文字描述，或给出一张相似的图片，就能找到照片和视频里的任何内容。所有数据都留在这台电脑上。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="66"/>
        <source>1. Choose the folders with your photos and videos</source>
        <translation>1. 选择存放照片和视频的文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="74"/>
        <source>Folders to index</source>
        <translation>要索引的文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="75"/>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="76"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="84"/>
        <source>2. The model that looks at your pictures</source>
        <translation>2. 理解图片内容的模型</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="95"/>
        <source>Use a weights file…</source>
        <translation>使用权重文件…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="96"/>
        <source>For computers without internet: pick a model file copied here</source>
        <translation>适用于无法联网的电脑：选择已复制到本机的模型文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="98"/>
        <source>Choose the model…</source>
        <translation>选择模型…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="99"/>
        <source>Say which model the chosen file belongs to</source>
        <translation>指明所选文件属于哪个模型</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="106"/>
        <source>Start indexing</source>
        <translation>开始索引</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="166"/>
        <source>Preparing %1…</source>
        <translation>正在准备 %1…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="167"/>
        <source>Preparing the model…</source>
        <translation>正在准备模型…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="170"/>
        <source>Downloading %1 (%2 MB, once)…</source>
        <translation>正在下载 %1（%2 MB，仅需一次）…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="173"/>
        <source>✓ %1 is ready.</source>
        <translation>✓ %1 已就绪。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="175"/>
        <source>%1 could not be downloaded.</source>
        <translation>无法下载 %1。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="176"/>
        <source>This computer seems to be offline. Copy the model&apos;s weights file here (from a computer with internet, %1 MB) and choose it below.</source>
        <translation>这台电脑似乎没有联网。请从能联网的电脑上获取模型的权重文件（%1 MB），复制到这里，然后在下方选择它。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="181"/>
        <source>This file is not one of the models MediaLens knows.</source>
        <translation>此文件不属于 MediaLens 已知的任何模型。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="182"/>
        <source>Choose the model it belongs to, or use another weights file.</source>
        <translation>请选择它所属的模型，或使用其他权重文件。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="185"/>
        <source>%1 is not on this computer yet.</source>
        <translation>此电脑上还没有 %1。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="186"/>
        <source>The model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="187"/>
        <source>Use a weights file: pick the manifest.json of a model exported for MediaLens (medialens models export), copied here from another computer.</source>
        <translation>使用权重文件：选择从另一台电脑复制来的、为 MediaLens 导出的模型（medialens models export）中的 manifest.json。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="191"/>
        <source>The model cannot be used.</source>
        <translation>无法使用该模型。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="201"/>
        <source>%1 of %2 MB</source>
        <translation>%1 / %2 MB</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="207"/>
        <source>Indexing needs the model: choose its weights file first</source>
        <translation>索引需要模型：请先选择模型的权重文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="211"/>
        <source>Choose a folder to index</source>
        <translation>选择要索引的文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/first_run.py" line="221"/>
        <source>Choose a model weights file</source>
        <translation>选择模型权重文件</translation>
    </message>
    <message>
        <source>a few seconds</source>
        <translation>几秒钟</translation>
    </message>
    <message>
        <source>about %1 min</source>
        <translation>约 %1 分钟</translation>
    </message>
    <message>
        <source>about %1 h %2 min</source>
        <translation>约 %1 小时 %2 分钟</translation>
    </message>
    <message>
        <source>Download a model instead</source>
        <translation>改为下载模型</translation>
    </message>
    <message>
        <source>Forget the chosen file and download the model proposed for this computer</source>
        <translation>不使用所选文件，下载为这台电脑推荐的模型</translation>
    </message>
    <message>
        <source>%1 on a 50 Mbit/s connection; you can add folders meanwhile.</source>
        <translation>在 50 Mbit/s 网络下需要%1；下载时可以先添加文件夹。</translation>
    </message>
    <message>
        <source>This file cannot be used by this installation of MediaLens.</source>
        <translation>此版本的 MediaLens 无法使用这个文件。</translation>
    </message>
    <message>
        <source>%1 holds PyTorch weights, and this MediaLens runs exported models only (it was installed without torch). Download a model instead, or export this file on a computer with MediaLens&apos;s torch extra (medialens models export NAME --weights FILE) and choose the exported folder&apos;s manifest.json here.</source>
        <translation>%1 是 PyTorch 权重文件，而此版本的 MediaLens 只能运行导出的模型（安装时不含 torch）。请改为下载模型，或在装有 MediaLens torch 扩展的电脑上导出此文件（medialens models export NAME --weights FILE），再在这里选择导出文件夹中的 manifest.json。</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余%1</translation>
    </message>
</context>
<context>
    <name>FoldersDialog</name>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="40"/>
        <location filename="../../desktop_app/library_dialogs.py" line="47"/>
        <source>Library folders</source>
        <translation>图库文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="48"/>
        <source>MediaLens indexes every photo and video in these folders and their subfolders.</source>
        <translation>MediaLens 会索引这些文件夹及其子文件夹中的所有照片和视频。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="51"/>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="52"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="53"/>
        <source>Rescan all</source>
        <translation>全部重新扫描</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="69"/>
        <source>Follow folder links that lead outside these folders</source>
        <translation>跟随指向这些文件夹之外的文件夹链接</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="70"/>
        <source>When off, the next scan leaves out what such links reach</source>
        <translation>关闭后，下次扫描将不再包含这些链接指向的内容</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="88"/>
        <source>%1 reaches outside itself: %2</source>
        <translation>%1 延伸到了自身之外：%2</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_dialogs.py" line="109"/>
        <source>Add a folder to the library</source>
        <translation>向图库添加文件夹</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <location filename="../../desktop_app/formatting.py" line="35"/>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="38"/>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="40"/>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分钟</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="65"/>
        <source>N</source>
        <comment>north</comment>
        <translation>北</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="65"/>
        <source>S</source>
        <comment>south</comment>
        <translation>南</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="66"/>
        <source>E</source>
        <comment>east</comment>
        <translation>东</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="66"/>
        <source>W</source>
        <comment>west</comment>
        <translation>西</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="74"/>
        <source>Strong match</source>
        <translation>强匹配</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="76"/>
        <source>Likely match</source>
        <translation>可能匹配</translation>
    </message>
    <message>
        <location filename="../../desktop_app/formatting.py" line="77"/>
        <source>Weak match</source>
        <translation>弱匹配</translation>
    </message>
</context>
<context>
    <name>IndexStatus</name>
    <message>
        <location filename="../../desktop_app/indexing.py" line="44"/>
        <source>Stop indexing (everything indexed so far is kept)</source>
        <translation>停止索引（已索引的内容会保留）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="45"/>
        <source>Stop indexing</source>
        <translation>停止索引</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="56"/>
        <source>Looking for photos and videos…</source>
        <translation>正在查找照片和视频…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="73"/>
        <source>Looking for photos and videos… %1 found</source>
        <translation>正在查找照片和视频… 已找到 %1 个</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="77"/>
        <source>Checking what changed…</source>
        <translation>正在检查变化…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="81"/>
        <source>%1 of %2 files</source>
        <translation>%1 / %2 个文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="86"/>
        <source>%1 of %2 of video</source>
        <translation>视频 %1 / %2</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="88"/>
        <source>%1 of video</source>
        <translation>视频 %1</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="91"/>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="94"/>
        <source>%1 files/s</source>
        <translation>%1 个文件/秒</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="96"/>
        <source>about %1 left</source>
        <translation>约剩 %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/indexing.py" line="98"/>
        <source>%n failed</source>
        <translation>
            <numerusform>%n 个失败</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="104"/>
        <source>Resume indexing</source>
        <translation>继续索引</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="104"/>
        <source>Pause indexing</source>
        <translation>暂停索引</translation>
    </message>
    <message>
        <location filename="../../desktop_app/indexing.py" line="113"/>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
</context>
<context>
    <name>LibraryActions</name>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="37"/>
        <source>Add Folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="38"/>
        <source>Library Folders…</source>
        <translation>图库文件夹…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="39"/>
        <source>Rescan Library</source>
        <translation>重新扫描图库</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="40"/>
        <location filename="../../desktop_app/library_actions.py" line="104"/>
        <source>Pause Indexing</source>
        <translation>暂停索引</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="41"/>
        <source>Stop Indexing</source>
        <translation>停止索引</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="42"/>
        <source>Files That Failed…</source>
        <translation>失败的文件…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="43"/>
        <source>Duplicates…</source>
        <translation>重复项…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="57"/>
        <source>Add a folder to the library</source>
        <translation>向图库添加文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/library_actions.py" line="104"/>
        <source>Resume Indexing</source>
        <translation>继续索引</translation>
    </message>
</context>
<context>
    <name>LibraryHost</name>
    <message>
        <location filename="../../desktop_app/host.py" line="184"/>
        <source>Stop indexing before changing the library, model or device.</source>
        <extracomment>engine options for indexing (`fps`, and `batch_size`/`workers` for tests and tuning) index changes in the library folders as they happen (desktop_app/watching.py) The app sets this (`desktop_app.app.build`); tests leave their own process alone.</extracomment>
        <translation>请先停止索引，再更改图库、模型或设备。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/host.py" line="283"/>
        <source>Stop indexing before repairing the library.</source>
        <translation>请先停止索引，再修复媒体库。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/host.py" line="362"/>
        <source>Stop indexing before changing the model.</source>
        <translation>更换模型前请先停止索引。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/host.py" line="434"/>
        <source>Stop indexing before removing a folder.</source>
        <translation>请先停止索引，再移除文件夹。</translation>
    </message>
</context>
<context>
    <name>LibraryStatusBar</name>
    <message numerus="yes">
        <location filename="../../desktop_app/status_bar.py" line="39"/>
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n 张照片</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/status_bar.py" line="41"/>
        <source>%n video(s)</source>
        <translation>
            <numerusform>%n 个视频</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/status_bar.py" line="43"/>
        <source>%n waiting</source>
        <translation>
            <numerusform>%n 个待处理</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/status_bar.py" line="47"/>
        <source>%n failed</source>
        <translation>
            <numerusform>%n 个失败</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/status_bar.py" line="54"/>
        <source>The model that reads your pictures and searches</source>
        <translation>用于理解图片和搜索的模型</translation>
    </message>
    <message>
        <location filename="../../desktop_app/status_bar.py" line="56"/>
        <source>Model not available</source>
        <translation>模型不可用</translation>
    </message>
    <message>
        <location filename="../../desktop_app/status_bar.py" line="59"/>
        <source>Downloading the model…</source>
        <translation>正在下载模型…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/status_bar.py" line="61"/>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop_app/main_window.py" line="90"/>
        <location filename="../../desktop_app/main_window.py" line="340"/>
        <source>Opening your library…</source>
        <translation>正在打开图库…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="100"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="104"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="105"/>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="108"/>
        <source>Preview Pane</source>
        <translation>预览窗格</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="111"/>
        <source>Larger Thumbnails</source>
        <translation>放大缩略图</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="113"/>
        <source>Smaller Thumbnails</source>
        <translation>缩小缩略图</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="115"/>
        <location filename="../../desktop_app/main_window.py" line="439"/>
        <source>About MediaLens</source>
        <translation>关于 MediaLens</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="135"/>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="183"/>
        <source>&amp;Library</source>
        <translation>图库(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="185"/>
        <source>&amp;Search</source>
        <translation>搜索(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="186"/>
        <source>&amp;Item</source>
        <translation>项目(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="187"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="188"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="278"/>
        <source>Describe what you are looking for, or drop a picture here to find similar ones.</source>
        <translation>描述你要找的内容，或把图片拖到这里查找相似的图片。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="289"/>
        <source>Choose weights file…</source>
        <translation>选择权重文件…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="297"/>
        <source>Indexing has started. You can search right away: results come from what is already indexed.</source>
        <translation>索引已开始。现在就可以搜索：结果来自已经索引的内容。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="360"/>
        <source>Indexing stopped. %n file(s) indexed so far are kept; Rescan carries on.</source>
        <translation>
            <numerusform>索引已停止。已索引的 %n 个文件会保留；重新扫描将从这里继续。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="363"/>
        <source>Indexing finished: %n new or changed file(s).</source>
        <translation>
            <numerusform>索引完成：%n 个新增或更改的文件。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/main_window.py" line="365"/>
        <source>%n could not be read.</source>
        <translation>
            <numerusform>%n 个无法读取。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="366"/>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="396"/>
        <source>Nothing matches yet.</source>
        <translation>暂时没有匹配的结果。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="398"/>
        <source>Try removing some filters.</source>
        <translation>试试去掉一些筛选条件。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="400"/>
        <source>Indexing is still running: more will be found.</source>
        <translation>索引仍在进行：稍后会找到更多结果。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="440"/>
        <source>&lt;h3&gt;MediaLens %1&lt;/h3&gt;&lt;p&gt;Find things inside your photos and videos by describing them, by showing a picture like them, or by changing one in words.&lt;/p&gt;&lt;p&gt;Everything runs on this computer.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MediaLens %1&lt;/h3&gt;&lt;p&gt;用文字描述、给出相似的图片，或用文字修改一张图片，找到照片和视频里的内容。&lt;/p&gt;&lt;p&gt;一切都在这台电脑上运行。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="446"/>
        <source>Repair</source>
        <translation>修复</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="454"/>
        <source>SQLite finds no damage in the library; nothing to repair.</source>
        <translation>SQLite 未发现媒体库有损坏，无需修复。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="458"/>
        <source>The library was repaired; the damaged catalog is kept as %1. Indexing what was lost…</source>
        <translation>媒体库已修复，损坏的目录文件保存为 %1。正在重新索引丢失的部分…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/main_window.py" line="542"/>
        <source>Stopping indexing…</source>
        <translation>正在停止索引…</translation>
    </message>
</context>
<context>
    <name>MessageBar</name>
    <message>
        <location filename="../../desktop_app/message_bar.py" line="37"/>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../desktop_app/message_bar.py" line="37"/>
        <source>Dismiss message</source>
        <translation>关闭消息</translation>
    </message>
</context>
<context>
    <name>MomentTimeline</name>
    <message>
        <location filename="../../desktop_app/timeline.py" line="30"/>
        <source>Timeline</source>
        <translation>时间轴</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/timeline.py" line="133"/>
        <source>%n matching moment(s)</source>
        <translation>
            <numerusform>%n 个匹配片段</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OrderBar</name>
    <message>
        <location filename="../../desktop_app/order_bar.py" line="33"/>
        <source>Best first</source>
        <translation>最相关优先</translation>
    </message>
    <message>
        <location filename="../../desktop_app/order_bar.py" line="34"/>
        <source>Newest first</source>
        <translation>最新优先</translation>
    </message>
    <message>
        <location filename="../../desktop_app/order_bar.py" line="35"/>
        <source>Order of the results</source>
        <translation>结果排序</translation>
    </message>
    <message>
        <location filename="../../desktop_app/order_bar.py" line="53"/>
        <source>all results</source>
        <translation>全部结果</translation>
    </message>
    <message>
        <location filename="../../desktop_app/order_bar.py" line="54"/>
        <location filename="../../desktop_app/order_bar.py" line="59"/>
        <source>Matches only</source>
        <translation>仅显示匹配</translation>
    </message>
    <message>
        <location filename="../../desktop_app/order_bar.py" line="57"/>
        <source>%1 matches · %2 more below</source>
        <translation>%1 个匹配 · 另有 %2 个低于截断线</translation>
    </message>
    <message>
        <location filename="../../desktop_app/order_bar.py" line="59"/>
        <source>Show all</source>
        <translation>显示全部</translation>
    </message>
</context>
<context>
    <name>PreviewPane</name>
    <message>
        <location filename="../../desktop_app/preview.py" line="81"/>
        <source>Search a region</source>
        <translation>搜索局部区域</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="83"/>
        <source>Drag a box on the picture to search for that part only</source>
        <translation>在图片上拖出一个框，只搜索这一部分</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="85"/>
        <source>Explain</source>
        <translation>解释</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="87"/>
        <source>Show which part of the picture matches the search</source>
        <translation>显示图片中与搜索匹配的部分</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="96"/>
        <source>Select a result to see it here.

Drop a picture anywhere on the window to find similar ones.</source>
        <translation>选择一个结果即可在这里查看。

把图片拖到窗口任意位置可查找相似的图片。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="110"/>
        <source>Taken</source>
        <translation>拍摄时间</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="110"/>
        <source>Camera</source>
        <translation>相机</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="110"/>
        <source>Relevance</source>
        <translation>相关性</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="111"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="111"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="111"/>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="112"/>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="112"/>
        <source>Words</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="182"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="188"/>
        <source>This picture cannot be shown.</source>
        <translation>无法显示这张图片。</translation>
    </message>
    <message>
        <location filename="../../desktop_app/preview.py" line="285"/>
        <source>moment %1</source>
        <translation>片段 %1</translation>
    </message>
</context>
<context>
    <name>ReferenceChip</name>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="67"/>
        <source>Stop editing from this picture (Esc)</source>
        <translation>不再以这张图片为参考 (Esc)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="68"/>
        <source>Remove reference picture</source>
        <translation>移除参考图片</translation>
    </message>
</context>
<context>
    <name>ResultsActions</name>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="60"/>
        <source>Find Similar</source>
        <translation>查找相似</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="61"/>
        <source>Edit with Text…</source>
        <translation>用文字修改…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="62"/>
        <source>Use this picture as the reference and describe a change (E)</source>
        <translation>以这张图片为参考，并描述要做的改变 (E)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="63"/>
        <source>Mark Relevant</source>
        <translation>标记为相关</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="65"/>
        <source>Mark Not Relevant</source>
        <translation>标记为不相关</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="67"/>
        <source>Clear Mark</source>
        <translation>清除标记</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="68"/>
        <source>Refine Results</source>
        <translation>优化结果</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="69"/>
        <source>Re-rank the results from your marks (R)</source>
        <translation>根据你的标记重新排序结果 (R)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="70"/>
        <source>Undo Refine</source>
        <translation>撤销优化</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="72"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="73"/>
        <source>Show in Folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="74"/>
        <source>Copy Path</source>
        <translation>复制路径</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="76"/>
        <source>Play / Pause</source>
        <translation>播放 / 暂停</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="77"/>
        <source>Previous Moment</source>
        <translation>上一个片段</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_actions.py" line="79"/>
        <source>Next Moment</source>
        <translation>下一个片段</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/results_actions.py" line="243"/>
        <source>Copied %n path(s)</source>
        <translation>
            <numerusform>已复制 %n 个路径</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResultsHeader</name>
    <message>
        <location filename="../../desktop_app/results_header.py" line="70"/>
        <source>Your library, newest first</source>
        <translation>你的媒体库，最新优先</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="74"/>
        <source>Like a part of %1</source>
        <translation>与 %1 的局部相似</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="75"/>
        <location filename="../../desktop_app/results_header.py" line="79"/>
        <source>Similar to %1</source>
        <translation>与 %1 相似</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="78"/>
        <source>%1, changed: “%2”</source>
        <translation>%1，改为：“%2”</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="80"/>
        <source>Refined: %1</source>
        <translation>已优化：%1</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="80"/>
        <source>your marks</source>
        <translation>你的标记</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/results_header.py" line="89"/>
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n 项</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="91"/>
        <source>no results</source>
        <translation>没有结果</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="92"/>
        <source>%1+ results</source>
        <translation>%1+ 个结果</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/results_header.py" line="93"/>
        <source>%n result(s)</source>
        <translation>
            <numerusform>%n 个结果</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="100"/>
        <source>waiting for the model to load…</source>
        <translation>正在等待模型加载…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results_header.py" line="111"/>
        <source>%1 relevant · %2 not relevant</source>
        <translation>%1 个相关 · %2 个不相关</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <location filename="../../desktop_app/results.py" line="218"/>
        <source>Video %1, moment %2</source>
        <translation>视频 %1，片段 %2</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results.py" line="220"/>
        <source>Photo %1</source>
        <translation>照片 %1</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results.py" line="224"/>
        <source>Similarity %1</source>
        <translation>相似度 %1</translation>
    </message>
    <message>
        <location filename="../../desktop_app/results.py" line="230"/>
        <source>Words found: %1</source>
        <translation>找到的文字：%1</translation>
    </message>
</context>
<context>
    <name>SearchBar</name>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="108"/>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="120"/>
        <source>More like the picture</source>
        <translation>更像图片</translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="121"/>
        <source>More like the words</source>
        <translation>更像文字</translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="127"/>
        <source>Balance between the picture and the words</source>
        <translation>图片与文字之间的权衡</translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="128"/>
        <source>How much the results follow the picture or the words</source>
        <translation>结果更接近图片还是更接近文字</translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="174"/>
        <source>Search your photos and videos — try “dog on a beach at sunset”</source>
        <translation>搜索你的照片和视频——试试“日落时海滩上的狗”</translation>
    </message>
    <message>
        <location filename="../../desktop_app/search_bar.py" line="176"/>
        <source>Describe the change — e.g. “at night”, “in red”, “without people”</source>
        <translation>描述要做的改变——例如“夜晚”、“红色的”、“没有人”</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="41"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="49"/>
        <location filename="../../desktop_app/settings_dialog.py" line="60"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="55"/>
        <source>(as the library was indexed)</source>
        <translation>（与图库索引时相同）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="65"/>
        <source>Downloaded automatically</source>
        <translation>自动下载</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="67"/>
        <location filename="../../desktop_app/settings_dialog.py" line="108"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="69"/>
        <source>Weights file</source>
        <translation>权重文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="72"/>
        <source>Automatic (GPU when there is one)</source>
        <translation>自动（有 GPU 时使用 GPU）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="72"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="73"/>
        <source>NVIDIA GPU (CUDA)</source>
        <translation>NVIDIA GPU（CUDA）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="73"/>
        <source>Apple GPU (Metal)</source>
        <translation>Apple GPU（Metal）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="77"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="84"/>
        <source> frames/s</source>
        <translation> 帧/秒</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="85"/>
        <source>How many frames of each second of video are looked at when indexing</source>
        <translation>索引时每秒视频分析多少帧</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="86"/>
        <source>Video sampling</source>
        <translation>视频采样</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="89"/>
        <source>Read the words in photos and videos, so searches find them</source>
        <translation>识别照片和视频中的文字，以便搜索找到它们</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="91"/>
        <source>Indexing takes several times longer; this library remembers the choice</source>
        <translation>索引会慢好几倍；此媒体库会记住这个选择</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="92"/>
        <source>Text in pictures</source>
        <translation>图片中的文字</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="99"/>
        <source>Memory for thumbnails in the results grid</source>
        <translation>结果网格中缩略图占用的内存</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="100"/>
        <source>Thumbnail memory</source>
        <translation>缩略图内存</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="102"/>
        <source>Index new and changed files in the library folders as they appear</source>
        <translation>库文件夹中出现新文件或文件变化时立即索引</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="104"/>
        <source>While the window is open, changes are indexed a few seconds after they settle</source>
        <translation>窗口打开期间，变化稳定几秒后即被索引</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="105"/>
        <source>Watch folders</source>
        <translation>监视文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="110"/>
        <source>Library location</source>
        <translation>图库位置</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="147"/>
        <source> (installed)</source>
        <translation>（已安装）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="174"/>
        <source>Choose a model weights file</source>
        <translation>选择模型权重文件</translation>
    </message>
    <message>
        <location filename="../../desktop_app/settings_dialog.py" line="180"/>
        <source>Choose where the library is kept</source>
        <translation>选择图库的存放位置</translation>
    </message>
</context>
<context>
    <name>VideoPlayer</name>
    <message>
        <location filename="../../desktop_app/player.py" line="43"/>
        <source>Video</source>
        <extracomment>a &quot;previous&quot; press this close after a moment&apos;s start goes to the moment before it, like media players do</extracomment>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="48"/>
        <source>Previous moment ([)</source>
        <translation>上一个片段 ([)</translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="49"/>
        <location filename="../../desktop_app/player.py" line="166"/>
        <source>Play (Space)</source>
        <translation>播放（空格）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="50"/>
        <source>Next moment (])</source>
        <translation>下一个片段 (])</translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="51"/>
        <source>Mute</source>
        <translation>静音</translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="166"/>
        <source>Pause (Space)</source>
        <translation>暂停（空格）</translation>
    </message>
    <message>
        <location filename="../../desktop_app/player.py" line="173"/>
        <source>Moment %1 of %2</source>
        <translation>第 %1 个片段，共 %2 个</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop_app/player.py" line="175"/>
        <source>%n moment(s)</source>
        <translation>
            <numerusform>%n 个片段</numerusform>
        </translation>
    </message>
</context>
</TS>
