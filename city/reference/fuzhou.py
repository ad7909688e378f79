"""Reference data for Fuzhou's five urban districts (DOMAIN rules 1, 2, 9, 11).

Pure data, standard library only: the five urban districts of Fuzhou as they
were in February 2020 (Gulou, Taijiang, Cangshan, Jin'an, Mawei), each with its
daily reservation window, its subdistricts / towns / townships, and a few
communities (社区) or village committees (村) per town, plus the pickup points
(代收点) for towns outside the delivery range, the areas outside the five
districts that ran their own schemes, and the city hotline.

Town lists follow the official township-level divisions of around 2020.
Community and village lists are a seed, not a complete register: each town
carries a few entries, and some names may be illustrative.

Contact numbers are placeholders that officials confirm and edit in the admin.
Community addresses give the residents' or villagers' committee office.
"""

# Rule 2: each district's own daily window (the evening window is SHARED_WINDOW).
# Rule 1: towns with in_delivery_range False get no home delivery.
DISTRICTS = [
    {
        "code": "gulou",
        "name": "鼓楼区",
        "name_en": "Gulou District",
        "window": ("09:00", "11:00"),
        "towns": [
            {
                "name": "鼓东街道",
                "name_en": "Gudong Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "庆城社区",
                        "name_en": "Qingcheng Community",
                        "phone": "0591-87010100",
                        "address": "福州市鼓楼区鼓东街道庆城社区居委会",
                    },
                    {
                        "name": "观风亭社区",
                        "name_en": "Guanfengting Community",
                        "phone": "0591-87010200",
                        "address": "福州市鼓楼区鼓东街道观风亭社区居委会",
                    },
                    {
                        "name": "钱塘社区",
                        "name_en": "Qiantang Community",
                        "phone": "0591-87010300",
                        "address": "福州市鼓楼区鼓东街道钱塘社区居委会",
                    },
                ],
            },
            {
                "name": "鼓西街道",
                "name_en": "Guxi Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "卫前社区",
                        "name_en": "Weiqian Community",
                        "phone": "0591-87020100",
                        "address": "福州市鼓楼区鼓西街道卫前社区居委会",
                    },
                    {
                        "name": "渡鸡口社区",
                        "name_en": "Dujikou Community",
                        "phone": "0591-87020200",
                        "address": "福州市鼓楼区鼓西街道渡鸡口社区居委会",
                    },
                    {
                        "name": "湖滨社区",
                        "name_en": "Hubin Community",
                        "phone": "0591-87020300",
                        "address": "福州市鼓楼区鼓西街道湖滨社区居委会",
                    },
                ],
            },
            {
                "name": "温泉街道",
                "name_en": "Wenquan Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "汤井社区",
                        "name_en": "Tangjing Community",
                        "phone": "0591-87030100",
                        "address": "福州市鼓楼区温泉街道汤井社区居委会",
                    },
                    {
                        "name": "井大社区",
                        "name_en": "Jingda Community",
                        "phone": "0591-87030200",
                        "address": "福州市鼓楼区温泉街道井大社区居委会",
                    },
                    {
                        "name": "湖东社区",
                        "name_en": "Hudong Community",
                        "phone": "0591-87030300",
                        "address": "福州市鼓楼区温泉街道湖东社区居委会",
                    },
                ],
            },
            {
                "name": "东街街道",
                "name_en": "Dongjie Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "军门社区",
                        "name_en": "Junmen Community",
                        "phone": "0591-87040100",
                        "address": "福州市鼓楼区东街街道军门社区居委会",
                    },
                    {
                        "name": "东大社区",
                        "name_en": "Dongda Community",
                        "phone": "0591-87040200",
                        "address": "福州市鼓楼区东街街道东大社区居委会",
                    },
                ],
            },
            {
                "name": "南街街道",
                "name_en": "Nanjie Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "文儒社区",
                        "name_en": "Wenru Community",
                        "phone": "0591-87050100",
                        "address": "福州市鼓楼区南街街道文儒社区居委会",
                    },
                    {
                        "name": "光禄社区",
                        "name_en": "Guanglu Community",
                        "phone": "0591-87050200",
                        "address": "福州市鼓楼区南街街道光禄社区居委会",
                    },
                    {
                        "name": "宫巷社区",
                        "name_en": "Gongxiang Community",
                        "phone": "0591-87050300",
                        "address": "福州市鼓楼区南街街道宫巷社区居委会",
                    },
                ],
            },
            {
                "name": "安泰街道",
                "name_en": "Antai Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "朱紫坊社区",
                        "name_en": "Zhuzifang Community",
                        "phone": "0591-87060100",
                        "address": "福州市鼓楼区安泰街道朱紫坊社区居委会",
                    },
                    {
                        "name": "仙塔社区",
                        "name_en": "Xianta Community",
                        "phone": "0591-87060200",
                        "address": "福州市鼓楼区安泰街道仙塔社区居委会",
                    },
                    {
                        "name": "双抛社区",
                        "name_en": "Shuangpao Community",
                        "phone": "0591-87060300",
                        "address": "福州市鼓楼区安泰街道双抛社区居委会",
                    },
                ],
            },
            {
                "name": "华大街道",
                "name_en": "Huada Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "北大社区",
                        "name_en": "Beida Community",
                        "phone": "0591-87070100",
                        "address": "福州市鼓楼区华大街道北大社区居委会",
                    },
                    {
                        "name": "屏西社区",
                        "name_en": "Pingxi Community",
                        "phone": "0591-87070200",
                        "address": "福州市鼓楼区华大街道屏西社区居委会",
                    },
                    {
                        "name": "屏东社区",
                        "name_en": "Pingdong Community",
                        "phone": "0591-87070300",
                        "address": "福州市鼓楼区华大街道屏东社区居委会",
                    },
                ],
            },
            {
                "name": "水部街道",
                "name_en": "Shuibu Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "琼东社区",
                        "name_en": "Qiongdong Community",
                        "phone": "0591-87080100",
                        "address": "福州市鼓楼区水部街道琼东社区居委会",
                    },
                    {
                        "name": "古田社区",
                        "name_en": "Gutian Community",
                        "phone": "0591-87080200",
                        "address": "福州市鼓楼区水部街道古田社区居委会",
                    },
                    {
                        "name": "大根社区",
                        "name_en": "Dagen Community",
                        "phone": "0591-87080300",
                        "address": "福州市鼓楼区水部街道大根社区居委会",
                    },
                ],
            },
            {
                "name": "五凤街道",
                "name_en": "Wufeng Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "树兜社区",
                        "name_en": "Shudou Community",
                        "phone": "0591-87090100",
                        "address": "福州市鼓楼区五凤街道树兜社区居委会",
                    },
                    {
                        "name": "梅峰社区",
                        "name_en": "Meifeng Community",
                        "phone": "0591-87090200",
                        "address": "福州市鼓楼区五凤街道梅峰社区居委会",
                    },
                    {
                        "name": "凤湖社区",
                        "name_en": "Fenghu Community",
                        "phone": "0591-87090300",
                        "address": "福州市鼓楼区五凤街道凤湖社区居委会",
                    },
                ],
            },
            {
                "name": "洪山镇",
                "name_en": "Hongshan Town",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "洪山社区",
                        "name_en": "Hongshan Community",
                        "phone": "0591-87100100",
                        "address": "福州市鼓楼区洪山镇洪山社区居委会",
                    },
                    {
                        "name": "西洪社区",
                        "name_en": "Xihong Community",
                        "phone": "0591-87100200",
                        "address": "福州市鼓楼区洪山镇西洪社区居委会",
                    },
                    {
                        "name": "江厝社区",
                        "name_en": "Jiangcuo Community",
                        "phone": "0591-87100300",
                        "address": "福州市鼓楼区洪山镇江厝社区居委会",
                    },
                ],
            },
        ],
    },
    {
        "code": "taijiang",
        "name": "台江区",
        "name_en": "Taijiang District",
        "window": ("11:00", "13:00"),
        "towns": [
            {
                "name": "瀛洲街道",
                "name_en": "Yingzhou Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "帮洲社区",
                        "name_en": "Bangzhou Community",
                        "phone": "0591-83010100",
                        "address": "福州市台江区瀛洲街道帮洲社区居委会",
                    },
                    {
                        "name": "红星社区",
                        "name_en": "Hongxing Community",
                        "phone": "0591-83010200",
                        "address": "福州市台江区瀛洲街道红星社区居委会",
                    },
                ],
            },
            {
                "name": "后洲街道",
                "name_en": "Houzhou Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "同德社区",
                        "name_en": "Tongde Community",
                        "phone": "0591-83020100",
                        "address": "福州市台江区后洲街道同德社区居委会",
                    },
                    {
                        "name": "排下社区",
                        "name_en": "Paixia Community",
                        "phone": "0591-83020200",
                        "address": "福州市台江区后洲街道排下社区居委会",
                    },
                ],
            },
            {
                "name": "义洲街道",
                "name_en": "Yizhou Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "白马社区",
                        "name_en": "Baima Community",
                        "phone": "0591-83030100",
                        "address": "福州市台江区义洲街道白马社区居委会",
                    },
                    {
                        "name": "大王社区",
                        "name_en": "Dawang Community",
                        "phone": "0591-83030200",
                        "address": "福州市台江区义洲街道大王社区居委会",
                    },
                ],
            },
            {
                "name": "新港街道",
                "name_en": "Xingang Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "达江社区",
                        "name_en": "Dajiang Community",
                        "phone": "0591-83040100",
                        "address": "福州市台江区新港街道达江社区居委会",
                    },
                    {
                        "name": "胜利社区",
                        "name_en": "Shengli Community",
                        "phone": "0591-83040200",
                        "address": "福州市台江区新港街道胜利社区居委会",
                    },
                ],
            },
            {
                "name": "上海街道",
                "name_en": "Shanghai Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "工业社区",
                        "name_en": "Gongye Community",
                        "phone": "0591-83050100",
                        "address": "福州市台江区上海街道工业社区居委会",
                    },
                    {
                        "name": "三保社区",
                        "name_en": "Sanbao Community",
                        "phone": "0591-83050200",
                        "address": "福州市台江区上海街道三保社区居委会",
                    },
                ],
            },
            {
                "name": "苍霞街道",
                "name_en": "Cangxia Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "苍霞社区",
                        "name_en": "Cangxia Community",
                        "phone": "0591-83060100",
                        "address": "福州市台江区苍霞街道苍霞社区居委会",
                    },
                    {
                        "name": "中选社区",
                        "name_en": "Zhongxuan Community",
                        "phone": "0591-83060200",
                        "address": "福州市台江区苍霞街道中选社区居委会",
                    },
                ],
            },
            {
                "name": "茶亭街道",
                "name_en": "Chating Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "茶亭社区",
                        "name_en": "Chating Community",
                        "phone": "0591-83070100",
                        "address": "福州市台江区茶亭街道茶亭社区居委会",
                    },
                    {
                        "name": "达道社区",
                        "name_en": "Dadao Community",
                        "phone": "0591-83070200",
                        "address": "福州市台江区茶亭街道达道社区居委会",
                    },
                ],
            },
            {
                "name": "洋中街道",
                "name_en": "Yangzhong Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "洋中社区",
                        "name_en": "Yangzhong Community",
                        "phone": "0591-83080100",
                        "address": "福州市台江区洋中街道洋中社区居委会",
                    },
                    {
                        "name": "义井社区",
                        "name_en": "Yijing Community",
                        "phone": "0591-83080200",
                        "address": "福州市台江区洋中街道义井社区居委会",
                    },
                ],
            },
            {
                "name": "鳌峰街道",
                "name_en": "Aofeng Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "鳌峰社区",
                        "name_en": "Aofeng Community",
                        "phone": "0591-83090100",
                        "address": "福州市台江区鳌峰街道鳌峰社区居委会",
                    },
                    {
                        "name": "鳌江社区",
                        "name_en": "Aojiang Community",
                        "phone": "0591-83090200",
                        "address": "福州市台江区鳌峰街道鳌江社区居委会",
                    },
                ],
            },
            {
                "name": "宁化街道",
                "name_en": "Ninghua Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "宁化社区",
                        "name_en": "Ninghua Community",
                        "phone": "0591-83100100",
                        "address": "福州市台江区宁化街道宁化社区居委会",
                    },
                    {
                        "name": "长汀社区",
                        "name_en": "Changting Community",
                        "phone": "0591-83100200",
                        "address": "福州市台江区宁化街道长汀社区居委会",
                    },
                ],
            },
        ],
    },
    {
        "code": "cangshan",
        "name": "仓山区",
        "name_en": "Cangshan District",
        "window": ("13:00", "15:00"),
        "towns": [
            {
                "name": "仓前街道",
                "name_en": "Cangqian Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "仓前社区",
                        "name_en": "Cangqian Community",
                        "phone": "0591-88010100",
                        "address": "福州市仓山区仓前街道仓前社区居委会",
                    },
                    {
                        "name": "观井社区",
                        "name_en": "Guanjing Community",
                        "phone": "0591-88010200",
                        "address": "福州市仓山区仓前街道观井社区居委会",
                    },
                    {
                        "name": "麦园社区",
                        "name_en": "Maiyuan Community",
                        "phone": "0591-88010300",
                        "address": "福州市仓山区仓前街道麦园社区居委会",
                    },
                ],
            },
            {
                "name": "东升街道",
                "name_en": "Dongsheng Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "东升社区",
                        "name_en": "Dongsheng Community",
                        "phone": "0591-88020100",
                        "address": "福州市仓山区东升街道东升社区居委会",
                    },
                    {
                        "name": "上藤社区",
                        "name_en": "Shangteng Community",
                        "phone": "0591-88020200",
                        "address": "福州市仓山区东升街道上藤社区居委会",
                    },
                ],
            },
            {
                "name": "对湖街道",
                "name_en": "Duihu Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "对湖社区",
                        "name_en": "Duihu Community",
                        "phone": "0591-88030100",
                        "address": "福州市仓山区对湖街道对湖社区居委会",
                    },
                    {
                        "name": "朝阳社区",
                        "name_en": "Chaoyang Community",
                        "phone": "0591-88030200",
                        "address": "福州市仓山区对湖街道朝阳社区居委会",
                    },
                ],
            },
            {
                "name": "临江街道",
                "name_en": "Linjiang Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "临江社区",
                        "name_en": "Linjiang Community",
                        "phone": "0591-88040100",
                        "address": "福州市仓山区临江街道临江社区居委会",
                    },
                    {
                        "name": "梅坞社区",
                        "name_en": "Meiwu Community",
                        "phone": "0591-88040200",
                        "address": "福州市仓山区临江街道梅坞社区居委会",
                    },
                ],
            },
            {
                "name": "三叉街街道",
                "name_en": "Sanchajie Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "三叉街社区",
                        "name_en": "Sanchajie Community",
                        "phone": "0591-88050100",
                        "address": "福州市仓山区三叉街街道三叉街社区居委会",
                    },
                    {
                        "name": "南江滨社区",
                        "name_en": "Nanjiangbin Community",
                        "phone": "0591-88050200",
                        "address": "福州市仓山区三叉街街道南江滨社区居委会",
                    },
                ],
            },
            {
                "name": "上渡街道",
                "name_en": "Shangdu Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "上渡社区",
                        "name_en": "Shangdu Community",
                        "phone": "0591-88060100",
                        "address": "福州市仓山区上渡街道上渡社区居委会",
                    },
                    {
                        "name": "闽江社区",
                        "name_en": "Minjiang Community",
                        "phone": "0591-88060200",
                        "address": "福州市仓山区上渡街道闽江社区居委会",
                    },
                ],
            },
            {
                "name": "下渡街道",
                "name_en": "Xiadu Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "下渡社区",
                        "name_en": "Xiadu Community",
                        "phone": "0591-88070100",
                        "address": "福州市仓山区下渡街道下渡社区居委会",
                    },
                    {
                        "name": "南江社区",
                        "name_en": "Nanjiang Community",
                        "phone": "0591-88070200",
                        "address": "福州市仓山区下渡街道南江社区居委会",
                    },
                ],
            },
            {
                "name": "金山街道",
                "name_en": "Jinshan Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "金洲社区",
                        "name_en": "Jinzhou Community",
                        "phone": "0591-88080100",
                        "address": "福州市仓山区金山街道金洲社区居委会",
                    },
                    {
                        "name": "浦上社区",
                        "name_en": "Pushang Community",
                        "phone": "0591-88080200",
                        "address": "福州市仓山区金山街道浦上社区居委会",
                    },
                ],
            },
            {
                "name": "仓山镇",
                "name_en": "Cangshan Town",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "高湖村",
                        "name_en": "Gaohu Village",
                        "phone": "0591-88090100",
                        "address": "福州市仓山区仓山镇高湖村村委会",
                    },
                    {
                        "name": "先锋村",
                        "name_en": "Xianfeng Village",
                        "phone": "0591-88090200",
                        "address": "福州市仓山区仓山镇先锋村村委会",
                    },
                ],
            },
            {
                "name": "城门镇",
                "name_en": "Chengmen Town",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "林浦村",
                        "name_en": "Linpu Village",
                        "phone": "0591-88100100",
                        "address": "福州市仓山区城门镇林浦村村委会",
                    },
                    {
                        "name": "胪雷村",
                        "name_en": "Lulei Village",
                        "phone": "0591-88100200",
                        "address": "福州市仓山区城门镇胪雷村村委会",
                    },
                    {
                        "name": "城门村",
                        "name_en": "Chengmen Village",
                        "phone": "0591-88100300",
                        "address": "福州市仓山区城门镇城门村村委会",
                    },
                ],
            },
            {
                "name": "盖山镇",
                "name_en": "Gaishan Town",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "阳岐村",
                        "name_en": "Yangqi Village",
                        "phone": "0591-88110100",
                        "address": "福州市仓山区盖山镇阳岐村村委会",
                    },
                    {
                        "name": "义序村",
                        "name_en": "Yixu Village",
                        "phone": "0591-88110200",
                        "address": "福州市仓山区盖山镇义序村村委会",
                    },
                    {
                        "name": "齐安村",
                        "name_en": "Qi'an Village",
                        "phone": "0591-88110300",
                        "address": "福州市仓山区盖山镇齐安村村委会",
                    },
                ],
            },
            {
                "name": "建新镇",
                "name_en": "Jianxin Town",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "淮安村",
                        "name_en": "Huai'an Village",
                        "phone": "0591-88120100",
                        "address": "福州市仓山区建新镇淮安村村委会",
                    },
                    {
                        "name": "洪塘村",
                        "name_en": "Hongtang Village",
                        "phone": "0591-88120200",
                        "address": "福州市仓山区建新镇洪塘村村委会",
                    },
                ],
            },
            {
                "name": "螺洲镇",
                "name_en": "Luozhou Town",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "店前村",
                        "name_en": "Dianqian Village",
                        "phone": "0591-88130100",
                        "address": "福州市仓山区螺洲镇店前村村委会",
                    },
                    {
                        "name": "吴厝村",
                        "name_en": "Wucuo Village",
                        "phone": "0591-88130200",
                        "address": "福州市仓山区螺洲镇吴厝村村委会",
                    },
                    {
                        "name": "洲尾村",
                        "name_en": "Zhouwei Village",
                        "phone": "0591-88130300",
                        "address": "福州市仓山区螺洲镇洲尾村村委会",
                    },
                ],
            },
        ],
    },
    {
        "code": "jinan",
        "name": "晋安区",
        "name_en": "Jin'an District",
        "window": ("15:00", "17:00"),
        "towns": [
            {
                "name": "茶园街道",
                "name_en": "Chayuan Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "茶园社区",
                        "name_en": "Chayuan Community",
                        "phone": "0591-85010100",
                        "address": "福州市晋安区茶园街道茶园社区居委会",
                    },
                    {
                        "name": "福光社区",
                        "name_en": "Fuguang Community",
                        "phone": "0591-85010200",
                        "address": "福州市晋安区茶园街道福光社区居委会",
                    },
                ],
            },
            {
                "name": "王庄街道",
                "name_en": "Wangzhuang Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "王庄社区",
                        "name_en": "Wangzhuang Community",
                        "phone": "0591-85020100",
                        "address": "福州市晋安区王庄街道王庄社区居委会",
                    },
                    {
                        "name": "福新社区",
                        "name_en": "Fuxin Community",
                        "phone": "0591-85020200",
                        "address": "福州市晋安区王庄街道福新社区居委会",
                    },
                ],
            },
            {
                "name": "象园街道",
                "name_en": "Xiangyuan Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "象园社区",
                        "name_en": "Xiangyuan Community",
                        "phone": "0591-85030100",
                        "address": "福州市晋安区象园街道象园社区居委会",
                    },
                    {
                        "name": "凤坂社区",
                        "name_en": "Fengban Community",
                        "phone": "0591-85030200",
                        "address": "福州市晋安区象园街道凤坂社区居委会",
                    },
                ],
            },
            {
                "name": "鼓山镇",
                "name_en": "Gushan Town",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "洋里村",
                        "name_en": "Yangli Village",
                        "phone": "0591-85040100",
                        "address": "福州市晋安区鼓山镇洋里村村委会",
                    },
                    {
                        "name": "埔垱村",
                        "name_en": "Pudang Village",
                        "phone": "0591-85040200",
                        "address": "福州市晋安区鼓山镇埔垱村村委会",
                    },
                    {
                        "name": "横屿村",
                        "name_en": "Hengyu Village",
                        "phone": "0591-85040300",
                        "address": "福州市晋安区鼓山镇横屿村村委会",
                    },
                ],
            },
            {
                "name": "新店镇",
                "name_en": "Xindian Town",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "象峰村",
                        "name_en": "Xiangfeng Village",
                        "phone": "0591-85050100",
                        "address": "福州市晋安区新店镇象峰村村委会",
                    },
                    {
                        "name": "战坂村",
                        "name_en": "Zhanban Village",
                        "phone": "0591-85050200",
                        "address": "福州市晋安区新店镇战坂村村委会",
                    },
                    {
                        "name": "桂湖村",
                        "name_en": "Guihu Village",
                        "phone": "0591-85050300",
                        "address": "福州市晋安区新店镇桂湖村村委会",
                    },
                ],
            },
            {
                "name": "岳峰镇",
                "name_en": "Yuefeng Town",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "竹屿村",
                        "name_en": "Zhuyu Village",
                        "phone": "0591-85060100",
                        "address": "福州市晋安区岳峰镇竹屿村村委会",
                    },
                    {
                        "name": "鹤林村",
                        "name_en": "Helin Village",
                        "phone": "0591-85060200",
                        "address": "福州市晋安区岳峰镇鹤林村村委会",
                    },
                ],
            },
            {
                "name": "宦溪镇",
                "name_en": "Huanxi Town",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "宦溪村",
                        "name_en": "Huanxi Village",
                        "phone": "0591-85070100",
                        "address": "福州市晋安区宦溪镇宦溪村村委会",
                    },
                    {
                        "name": "降虎村",
                        "name_en": "Jianghu Village",
                        "phone": "0591-85070200",
                        "address": "福州市晋安区宦溪镇降虎村村委会",
                    },
                ],
            },
            {
                "name": "寿山乡",
                "name_en": "Shoushan Township",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "寿山村",
                        "name_en": "Shoushan Village",
                        "phone": "0591-85080100",
                        "address": "福州市晋安区寿山乡寿山村村委会",
                    },
                    {
                        "name": "九峰村",
                        "name_en": "Jiufeng Village",
                        "phone": "0591-85080200",
                        "address": "福州市晋安区寿山乡九峰村村委会",
                    },
                ],
            },
            {
                "name": "日溪乡",
                "name_en": "Rixi Township",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "日溪村",
                        "name_en": "Rixi Village",
                        "phone": "0591-85090100",
                        "address": "福州市晋安区日溪乡日溪村村委会",
                    },
                    {
                        "name": "汶洋村",
                        "name_en": "Wenyang Village",
                        "phone": "0591-85090200",
                        "address": "福州市晋安区日溪乡汶洋村村委会",
                    },
                ],
            },
        ],
    },
    {
        "code": "mawei",
        "name": "马尾区",
        "name_en": "Mawei District",
        "window": ("17:00", "19:00"),
        "towns": [
            {
                "name": "罗星街道",
                "name_en": "Luoxing Subdistrict",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "罗星社区",
                        "name_en": "Luoxing Community",
                        "phone": "0591-86010100",
                        "address": "福州市马尾区罗星街道罗星社区居委会",
                    },
                    {
                        "name": "马江社区",
                        "name_en": "Majiang Community",
                        "phone": "0591-86010200",
                        "address": "福州市马尾区罗星街道马江社区居委会",
                    },
                ],
            },
            {
                "name": "马尾镇",
                "name_en": "Mawei Town",
                "in_delivery_range": True,
                "communities": [
                    {
                        "name": "快安村",
                        "name_en": "Kuai'an Village",
                        "phone": "0591-86020100",
                        "address": "福州市马尾区马尾镇快安村村委会",
                    },
                    {
                        "name": "上岐村",
                        "name_en": "Shangqi Village",
                        "phone": "0591-86020200",
                        "address": "福州市马尾区马尾镇上岐村村委会",
                    },
                    {
                        "name": "君竹村",
                        "name_en": "Junzhu Village",
                        "phone": "0591-86020300",
                        "address": "福州市马尾区马尾镇君竹村村委会",
                    },
                ],
            },
            {
                "name": "亭江镇",
                "name_en": "Tingjiang Town",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "闽安村",
                        "name_en": "Min'an Village",
                        "phone": "0591-86030100",
                        "address": "福州市马尾区亭江镇闽安村村委会",
                    },
                    {
                        "name": "长柄村",
                        "name_en": "Changbing Village",
                        "phone": "0591-86030200",
                        "address": "福州市马尾区亭江镇长柄村村委会",
                    },
                    {
                        "name": "英屿村",
                        "name_en": "Yingyu Village",
                        "phone": "0591-86030300",
                        "address": "福州市马尾区亭江镇英屿村村委会",
                    },
                ],
            },
            {
                "name": "琅岐镇",
                "name_en": "Langqi Town",
                "in_delivery_range": False,
                "communities": [
                    {
                        "name": "凤窝村",
                        "name_en": "Fengwo Village",
                        "phone": "0591-86040100",
                        "address": "福州市马尾区琅岐镇凤窝村村委会",
                    },
                    {
                        "name": "衙前村",
                        "name_en": "Yaqian Village",
                        "phone": "0591-86040200",
                        "address": "福州市马尾区琅岐镇衙前村村委会",
                    },
                    {
                        "name": "海屿村",
                        "name_en": "Haiyu Village",
                        "phone": "0591-86040300",
                        "address": "福州市马尾区琅岐镇海屿村村委会",
                    },
                ],
            },
        ],
    },
]

# Rule 2: the evening window shared by all five districts.
SHARED_WINDOW = ("19:00", "21:00")

# Rule 9: one pickup point (代收点) in each of Cangshan, Jin'an and Mawei.
PICKUP_POINTS = [
    {
        "district": "cangshan",
        "name": "仓山区普惠口罩代收点",
        "name_en": "Cangshan District mask pickup point",
        "address": "福州市仓山区盖山镇人民政府便民服务中心",
        "phone": "0591-88990000",
        # The point sits in Gaishan's town government: its residents collect here.
        "collect_at_point": ["盖山镇"],
    },
    {
        "district": "jinan",
        "name": "晋安区普惠口罩代收点",
        "name_en": "Jin'an District mask pickup point",
        "address": "福州市晋安区鼓山镇人民政府便民服务中心",
        "phone": "0591-85990000",
    },
    {
        "district": "mawei",
        "name": "马尾区普惠口罩代收点",
        "name_en": "Mawei District mask pickup point",
        "address": "福州市马尾区亭江镇人民政府便民服务中心",
        "phone": "0591-86990000",
    },
]

# Rule 11: areas outside the five districts that run their own schemes, with contact lines.
OTHER_AREAS = [
    {"name": "长乐区", "name_en": "Changle District", "phone": "0591-89000100"},
    {"name": "福清市", "name_en": "Fuqing City", "phone": "0591-89000200"},
    {"name": "闽侯县", "name_en": "Minhou County", "phone": "0591-89000300"},
    {"name": "连江县", "name_en": "Lianjiang County", "phone": "0591-89000400"},
    {"name": "罗源县", "name_en": "Luoyuan County", "phone": "0591-89000500"},
    {"name": "闽清县", "name_en": "Minqing County", "phone": "0591-89000600"},
    {"name": "永泰县", "name_en": "Yongtai County", "phone": "0591-89000700"},
    {"name": "高新区", "name_en": "Fuzhou High-tech Zone", "phone": "0591-89000800"},
]

CITY_HOTLINE = "12345"
CITY_HOTLINE_NAME = "福州市12345便民服务平台"
CITY_HOTLINE_NAME_EN = "Fuzhou 12345 citizen service hotline"
